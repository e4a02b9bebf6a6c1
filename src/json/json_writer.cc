#include "json/json_writer.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <charconv>
#include <cmath>

namespace sluice::json {

// RapidJSON's Writer escapes strings and tracks nesting; pretty output is made
// by re-indenting the compact text, so that Raw() values are indented too.
struct JsonWriter::Impl {
  explicit Impl(bool pretty) : pretty(pretty), writer(buffer) {}
  bool pretty;
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer;
};

JsonWriter::JsonWriter(bool pretty) : impl_(std::make_unique<Impl>(pretty)) {}
JsonWriter::~JsonWriter() = default;

JsonWriter& JsonWriter::StartObject() {
  impl_->writer.StartObject();
  return *this;
}
JsonWriter& JsonWriter::EndObject() {
  impl_->writer.EndObject();
  return *this;
}
JsonWriter& JsonWriter::StartArray() {
  impl_->writer.StartArray();
  return *this;
}
JsonWriter& JsonWriter::EndArray() {
  impl_->writer.EndArray();
  return *this;
}
JsonWriter& JsonWriter::Key(std::string_view key) {
  impl_->writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()), true);
  return *this;
}
JsonWriter& JsonWriter::String(std::string_view value) {
  impl_->writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()), true);
  return *this;
}
JsonWriter& JsonWriter::Int(int64_t value) {
  impl_->writer.Int64(value);
  return *this;
}
JsonWriter& JsonWriter::Uint(uint64_t value) {
  impl_->writer.Uint64(value);
  return *this;
}
JsonWriter& JsonWriter::Double(double value) {
  if (!std::isfinite(value)) return Null();
  std::array<char, 32> buf;
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  std::string_view text(buf.data(), end - buf.data());
  // Java prints integral doubles as "1.0"; keep a decimal point so the
  // value stays a floating point number for typed clients.
  if (text.find_first_of(".eEn") == std::string_view::npos) {
    std::string with_point(text);
    with_point += ".0";
    impl_->writer.RawValue(with_point.data(), with_point.size(), rapidjson::kNumberType);
  } else {
    impl_->writer.RawValue(text.data(), text.size(), rapidjson::kNumberType);
  }
  return *this;
}
JsonWriter& JsonWriter::Float(float value) {
  if (!std::isfinite(value)) return Null();
  std::array<char, 32> buf;
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  std::string text(buf.data(), end - buf.data());
  if (text.find_first_of(".eE") == std::string::npos) text += ".0";
  impl_->writer.RawValue(text.data(), text.size(), rapidjson::kNumberType);
  return *this;
}
JsonWriter& JsonWriter::Bool(bool value) {
  impl_->writer.Bool(value);
  return *this;
}
JsonWriter& JsonWriter::Null() {
  impl_->writer.Null();
  return *this;
}
JsonWriter& JsonWriter::Raw(std::string_view json) {
  impl_->writer.RawValue(json.data(), json.size(), rapidjson::kObjectType);
  return *this;
}

std::string JsonWriter::Take() {
  std::string out(impl_->buffer.GetString(), impl_->buffer.GetSize());
  return impl_->pretty ? PrettyPrint(out) : out;
}

std::string PrettyPrint(std::string_view in) {
  std::string out;
  out.reserve(in.size() * 2);
  int depth = 0;
  bool in_string = false;
  auto newline = [&](int d) {
    out += '\n';
    out.append(static_cast<size_t>(d) * 2, ' ');
  };
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < in.size()) {
        out += in[++i];
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        out += c;
        break;
      case '{':
      case '[': {
        // Keep empty containers on one line: {} and [].
        size_t j = i + 1;
        while (j < in.size() && (in[j] == ' ' || in[j] == '\n')) ++j;
        if (j < in.size() && (in[j] == '}' || in[j] == ']')) {
          out += c;
          out += in[j];
          i = j;
          break;
        }
        out += c;
        newline(++depth);
        break;
      }
      case '}':
      case ']':
        newline(--depth);
        out += c;
        break;
      case ',':
        out += c;
        newline(depth);
        break;
      case ':':
        out += " : ";
        break;
      case ' ':
      case '\n':
      case '\t':
      case '\r':
        break;
      default:
        out += c;
    }
  }
  out += '\n';
  return out;
}

}  // namespace sluice::json
