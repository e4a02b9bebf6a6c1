#include "secrets/sealed_map.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

namespace sluice::secrets {
namespace {

void Wipe(std::string& s) {
  volatile char* p = s.data();
  for (size_t i = 0; i < s.size(); ++i) p[i] = 0;
  s.clear();
}

// RapidJSON's buffer holds plaintext too: wipe it before it is freed.
struct WipedBuffer : rapidjson::StringBuffer {
  ~WipedBuffer() {
    char* p = const_cast<char*>(GetString());
    volatile char* v = p;
    for (size_t i = 0; i < GetSize(); ++i) v[i] = 0;
  }
};

}  // namespace

util::Result<std::string> SealMap(const Sealer& sealer, const SecretMap& values,
                                  std::string_view context) {
  WipedBuffer buffer;
  {
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.StartObject();
    for (const auto& [name, value] : values) {
      writer.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
      writer.String(value.Reveal().data(), static_cast<rapidjson::SizeType>(value.Reveal().size()));
    }
    writer.EndObject();
  }
  return sealer.Seal(std::string_view(buffer.GetString(), buffer.GetSize()), context);
}

util::Result<SecretMap> UnsealMap(const Sealer& sealer, std::string_view sealed,
                                  std::string_view context) {
  SLUICE_ASSIGN_OR_RETURN(util::Secret plain, sealer.Unseal(sealed, context));
  std::string text = plain.Reveal();  // a copy RapidJSON can parse in place
  SecretMap out;
  {
    rapidjson::Document doc;
    doc.ParseInsitu(text.data());
    if (doc.HasParseError() || !doc.IsObject()) {
      Wipe(text);
      return util::InvalidArgument("the sealed value is not a credential object");
    }
    for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
      if (!it->value.IsString()) continue;
      out.emplace(std::string(it->name.GetString(), it->name.GetStringLength()),
                  util::Secret(std::string(it->value.GetString(), it->value.GetStringLength())));
    }
  }
  Wipe(text);
  return out;
}

}  // namespace sluice::secrets
