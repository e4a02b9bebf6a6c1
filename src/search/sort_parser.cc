#include "search/sort_parser.h"

#include <string>

namespace sluice::search {
namespace {

using util::ParsingError;
using util::Status;

util::Result<SortParam> ParseParam(const rapidjson::Value& v) {
  SortParam p;
  if (v.IsNull()) {
    p.kind = SortParam::Kind::kNull;
  } else if (v.IsBool()) {
    p.kind = SortParam::Kind::kBool;
    p.number = v.GetBool() ? 1 : 0;
    p.text = v.GetBool() ? "true" : "false";
  } else if (v.IsNumber()) {
    p.kind = SortParam::Kind::kNumber;
    if (v.IsInt64()) {
      p.number = static_cast<double>(v.GetInt64());
      p.text = std::to_string(v.GetInt64());
    } else if (v.IsUint64()) {
      p.number = static_cast<double>(v.GetUint64());
      p.text = std::to_string(v.GetUint64());
    } else {
      p.number = v.GetDouble();
      p.text = std::to_string(v.GetDouble());
    }
  } else if (v.IsString()) {
    p.kind = SortParam::Kind::kString;
    p.text = v.GetString();
  } else {
    return ParsingError("sort values must be strings, numbers, booleans or null");
  }
  return p;
}

util::Result<bool> ParseOrder(const rapidjson::Value& v) {
  if (!v.IsString()) return ParsingError("[order] must be a string");
  std::string order = v.GetString();
  if (order == "asc" || order == "ASC") return false;
  if (order == "desc" || order == "DESC") return true;
  return util::InvalidArgument("Unknown SortOrder [" + order + "]");
}

util::Result<SortField::Mode> ParseMode(const rapidjson::Value& v) {
  std::string mode = v.IsString() ? v.GetString() : "";
  if (mode == "min") return SortField::Mode::kMin;
  if (mode == "max") return SortField::Mode::kMax;
  if (mode == "avg") return SortField::Mode::kAvg;
  if (mode == "sum") return SortField::Mode::kSum;
  if (mode == "median") return SortField::Mode::kMedian;
  return util::InvalidArgument("Unknown MultiValueMode [" + mode + "]");
}

SortField NamedField(const std::string& name) {
  SortField f;
  if (name == "_score") {
    f.target = SortField::Target::kScore;
    f.descending = true;
  } else if (name == "_doc" || name == "_shard_doc") {
    // _shard_doc (the tie-breaker of PIT paging) is (shard index << 32) | doc
    // in OpenSearch; with one shard per index that is the doc number.
    f.target = SortField::Target::kDoc;
  } else {
    f.field = name;
  }
  return f;
}

Status ParseOptions(const rapidjson::Value& options, SortField* f) {
  for (auto it = options.MemberBegin(); it != options.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    const rapidjson::Value& v = it->value;
    if (key == "order") {
      SLUICE_ASSIGN_OR_RETURN(f->descending, ParseOrder(v));
    } else if (key == "mode" && f->target == SortField::Target::kField) {
      SLUICE_ASSIGN_OR_RETURN(f->mode, ParseMode(v));
    } else if (key == "missing" && f->target == SortField::Target::kField) {
      if (v.IsString() && std::string_view(v.GetString()) == "_last") {
        f->missing = SortField::Missing::kLast;
      } else if (v.IsString() && std::string_view(v.GetString()) == "_first") {
        f->missing = SortField::Missing::kFirst;
      } else {
        f->missing = SortField::Missing::kValue;
        SLUICE_ASSIGN_OR_RETURN(f->missing_value, ParseParam(v));
      }
    } else if (key == "unmapped_type" && f->target == SortField::Target::kField) {
      if (!v.IsString()) return ParsingError("[unmapped_type] must be a string");
      f->unmapped_type = v.GetString();
    } else if ((key == "numeric_type" || key == "format") &&
               f->target == SortField::Target::kField) {
      continue;  // values are compared as numbers already; dates render as millis
    } else {
      const char* name = f->target == SortField::Target::kField ? "field_sort" : "score_sort";
      return ParsingError(std::string("[") + name + "] unknown field [" + key + "]");
    }
  }
  return Status::Ok();
}

Status ParseOne(const rapidjson::Value& v, std::vector<SortField>* out) {
  if (v.IsString()) {
    out->push_back(NamedField(v.GetString()));
    return Status::Ok();
  }
  if (!v.IsObject()) return ParsingError("malformed sort format, expected a string or an object");
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    std::string name = it->name.GetString();
    if (name == "_geo_distance" || name == "_script") {
      return util::InvalidArgument("[" + name + "] sort is not supported by sluice");
    }
    SortField f = NamedField(name);
    if (it->value.IsString()) {
      SLUICE_ASSIGN_OR_RETURN(f.descending, ParseOrder(it->value));
    } else if (it->value.IsObject()) {
      SLUICE_RETURN_IF_ERROR(ParseOptions(it->value, &f));
    } else {
      return ParsingError("malformed sort format for [" + name + "]");
    }
    out->push_back(std::move(f));
  }
  return Status::Ok();
}

}  // namespace

util::Result<SortSpec> ParseSort(const rapidjson::Value& value) {
  std::vector<SortField> fields;
  if (value.IsArray()) {
    for (const auto& v : value.GetArray()) SLUICE_RETURN_IF_ERROR(ParseOne(v, &fields));
  } else {
    SLUICE_RETURN_IF_ERROR(ParseOne(value, &fields));
  }
  return SortSpec(std::move(fields));
}

util::Result<std::vector<SortParam>> ParseSearchAfter(const rapidjson::Value& value) {
  if (!value.IsArray()) return ParsingError("[search_after] must be an array");
  std::vector<SortParam> out;
  for (const auto& v : value.GetArray()) {
    SLUICE_ASSIGN_OR_RETURN(SortParam p, ParseParam(v));
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace sluice::search
