#include "ingest/record_mapper.h"

#include <simdjson.h>

#include <array>
#include <charconv>

namespace sluice::ingest {

RecordMapper::RecordMapper(const IngestRequest& request, size_t source,
                           std::set<std::string> vector_fields) {
  if (source < request.id_paths.size() && request.id_paths[source]) {
    id_path_ = &*request.id_paths[source];
  }
  for (const auto& field : request.fields) {
    for (const auto& path : field.paths) {
      if (path.source == source) {
        entries_.push_back({&field, &path, vector_fields.count(field.name) > 0});
        all_singular_ &= path.path.IsSingular();
      }
    }
  }
}

util::Result<std::string> IdText(const simdjson::dom::element& value, const std::string& path) {
  switch (value.type()) {
    case simdjson::dom::element_type::STRING: {
      std::string_view s = value.get_string().value_unsafe();
      if (s.empty())
        return util::InvalidArgument("_id path [" + path + "] selected an empty string");
      if (s.size() > 512)
        return util::InvalidArgument("_id selected by [" + path + "] is longer than 512 bytes");
      return std::string(s);
    }
    case simdjson::dom::element_type::INT64:
      return std::to_string(value.get_int64().value_unsafe());
    case simdjson::dom::element_type::UINT64:
      return std::to_string(value.get_uint64().value_unsafe());
    case simdjson::dom::element_type::DOUBLE: {
      std::array<char, 32> buf;
      auto [end, ec] =
          std::to_chars(buf.data(), buf.data() + buf.size(), value.get_double().value_unsafe());
      return std::string(buf.data(), end);
    }
    case simdjson::dom::element_type::BOOL:
      return std::string(value.get_bool().value_unsafe() ? "true" : "false");
    default:
      return util::InvalidArgument("_id path [" + path +
                                   "] must select a string or a number, found " +
                                   (value.is_null() ? "null" : "an object or array"));
  }
}

util::Result<std::optional<std::string>> RecordMapper::Id(
    const simdjson::dom::element& record) const {
  if (id_path_ == nullptr) return std::optional<std::string>();
  auto id = id_path_->path.EvaluateSingular(record);
  if (!id) return util::InvalidArgument("_id path [" + id_path_->text + "] selected nothing");
  SLUICE_ASSIGN_OR_RETURN(std::string text, IdText(*id, id_path_->text));
  return std::optional<std::string>(std::move(text));
}

std::vector<std::pair<std::string, std::string>> RecordMapper::UnmatchedPaths(
    const simdjson::dom::element& record) const {
  std::vector<std::pair<std::string, std::string>> out;
  if (id_path_ != nullptr && !id_path_->path.EvaluateSingular(record)) {
    out.emplace_back("_id", id_path_->text);
  }
  std::vector<simdjson::dom::element> nodes;
  for (const Entry& e : entries_) {
    bool selects;
    if (e.path->path.IsSingular()) {
      selects = e.path->path.EvaluateSingular(record).has_value();
    } else {
      nodes.clear();
      selects = e.path->path.Evaluate(record, &nodes).ok() && !nodes.empty();
    }
    if (!selects) out.emplace_back(e.field->name, e.path->text);
  }
  return out;
}

util::Result<MappedRecord> RecordMapper::Map(const simdjson::dom::element& record,
                                             const WithFields& with_fields) const {
  MappedRecord out;
  SLUICE_ASSIGN_OR_RETURN(out.id, Id(record));
  std::vector<simdjson::dom::element> nodes;
  // The selected values of singular paths, for with_fields.
  std::vector<simdjson::dom::element> selected;
  selected.reserve(entries_.size());
  for (const Entry& e : entries_) {
    if (e.path->path.IsSingular()) {
      auto v = e.path->path.EvaluateSingular(record);
      if (!v) {
        if (e.is_vector) {
          return util::InvalidArgument("knn_vector field [" + e.field->name + "]: path [" +
                                       e.path->text + "] selected nothing");
        }
        continue;  // written as null with the other unmapped fields
      }
      out.fields.emplace_back(e.field->name, simdjson::minify(*v));
      selected.push_back(*v);
      continue;
    }
    nodes.clear();
    SLUICE_RETURN_IF_ERROR(e.path->path.Evaluate(record, &nodes));
    std::string array = "[";
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (i) array += ',';
      array += simdjson::minify(nodes[i]);
    }
    array += ']';
    out.fields.emplace_back(e.field->name, std::move(array));
  }
  if (with_fields && all_singular_) {
    std::vector<index::RecordField> fields;
    fields.reserve(selected.size());
    for (size_t i = 0; i < selected.size(); ++i) {
      fields.push_back({out.fields[i].first, &selected[i]});
    }
    with_fields(fields, out);
  }
  return out;
}

}  // namespace sluice::ingest
