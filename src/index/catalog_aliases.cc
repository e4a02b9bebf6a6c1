// Catalog: the alias half (see catalog.h). Aliases live in the catalog's map
// aliases_ (index -> alias -> metadata) and persist as one meta record per
// index, "alias/<index>" -> {"<alias>": <metadata>, ...}.
#include <rapidjson/document.h>

#include <set>

#include "index/catalog.h"
#include "json/json_writer.h"
#include "json/value_text.h"
#include "storage/store.h"
#include "util/wildcard.h"
#include "util/split.h"

namespace sluice::index {
namespace {

using util::Status;

constexpr std::string_view kAliasPrefix = "alias/";

bool IsPattern(std::string_view s) { return s == "_all" || s.find('*') != s.npos; }

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ",") + p;
  return out;
}

std::string SerializeAliases(const std::map<std::string, AliasMetadata>& aliases) {
  json::JsonWriter w;
  w.StartObject();
  for (const auto& [name, meta] : aliases) w.Key(name).Raw(meta.ToJson());
  w.EndObject();
  return w.Take();
}

}  // namespace

Status Catalog::LoadAliases() {
  std::vector<std::pair<std::string, std::string>> records;
  SLUICE_RETURN_IF_ERROR(store_->Scan(
      storage::Column::kMeta, kAliasPrefix, [&](std::string_view key, std::string_view value) {
        records.emplace_back(key.substr(kAliasPrefix.size()), value);
        return true;
      }));
  for (const auto& [index, json] : records) {
    if (indices_.find(index) == indices_.end()) continue;  // index dropped before the record
    rapidjson::Document doc;
    doc.Parse(json.data(), json.size());
    if (doc.HasParseError() || !doc.IsObject()) {
      return util::Internal("corrupt alias record for index [" + index + "]");
    }
    auto& target = aliases_[index];
    for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
      SLUICE_ASSIGN_OR_RETURN(AliasMetadata meta, ParseAliasMetadata(json::ValueText(it->value)));
      target.emplace(it->name.GetString(), std::move(meta));
    }
  }
  return Status::Ok();
}

bool Catalog::IsAliasLocked(std::string_view alias) const {
  for (const auto& [index, aliases] : aliases_) {
    if (aliases.count(std::string(alias)) > 0) return true;
  }
  return false;
}

util::Result<std::shared_ptr<Index>> Catalog::WriteIndexLocked(std::string_view alias) const {
  std::vector<std::string> members;
  for (const auto& [index, aliases] : aliases_) {
    auto it = aliases.find(std::string(alias));
    if (it == aliases.end()) continue;
    if (it->second.is_write_index.value_or(false)) return indices_.find(index)->second;
    if (!it->second.is_write_index.has_value())
      members.push_back(index);
    else
      members.push_back("");  // explicitly not a write index
  }
  if (members.size() == 1 && !members[0].empty()) return indices_.find(members[0])->second;
  return util::InvalidArgument(
      "no write index is defined for alias [" + std::string(alias) +
      "]. The write index may be explicitly disabled using is_write_index=false or the alias "
      "points to multiple indices without one being designated as a write index");
}

std::map<std::string, std::map<std::string, AliasMetadata>> Catalog::Aliases() const {
  util::ReaderMutexLock lock(&mu_);
  std::map<std::string, std::map<std::string, AliasMetadata>> out;
  for (const auto& [name, index] : indices_) {
    auto it = aliases_.find(name);
    out[name] = it == aliases_.end() ? std::map<std::string, AliasMetadata>{} : it->second;
  }
  return out;
}

Status Catalog::UpdateAliases(const std::vector<AliasAction>& actions) {
  util::WriterMutexLock lock(&mu_);
  AliasMap next = aliases_;
  std::set<std::string> removed_indices;
  std::set<std::string> touched;
  // The concrete indices an action's index expression names.
  auto indices_of = [&](std::string_view expr)
                        REQUIRES(mu_) -> util::Result<std::vector<std::string>> {
    std::vector<std::string> out;
    for (const std::string& part : util::SplitNonEmpty(expr)) {
      if (IsPattern(part)) {
        for (const auto& [n, index] : indices_) {
          if (removed_indices.count(n) == 0 && (part == "_all" || util::WildcardMatch(part, n))) {
            out.push_back(n);
          }
        }
      } else if (indices_.count(part) > 0 && removed_indices.count(part) == 0) {
        out.push_back(part);
      } else {
        return IndexNotFound(part);
      }
    }
    if (out.empty() && !expr.empty() && !IsPattern(expr)) return IndexNotFound(expr);
    return out;
  };
  for (const AliasAction& action : actions) {
    SLUICE_ASSIGN_OR_RETURN(std::vector<std::string> targets, indices_of(action.index));
    switch (action.kind) {
      case AliasAction::Kind::kAdd: {
        SLUICE_RETURN_IF_ERROR(ValidateAliasName(action.alias));
        for (const auto& index : targets) {
          next[index][action.alias] = action.metadata;
          touched.insert(index);
        }
        break;
      }
      case AliasAction::Kind::kRemove: {
        std::vector<std::string> names = util::SplitNonEmpty(action.alias);
        bool any = false;
        std::set<std::string> matched_names;
        for (const auto& index : targets) {
          auto it = next.find(index);
          if (it == next.end()) continue;
          for (auto a = it->second.begin(); a != it->second.end();) {
            bool match = false;
            for (const auto& n : names) {
              if (n == "_all" || n == a->first ||
                  (n.find('*') != n.npos && util::WildcardMatch(n, a->first))) {
                match = true;
                matched_names.insert(n);
              }
            }
            if (match) {
              a = it->second.erase(a);
              any = true;
              touched.insert(index);
            } else {
              ++a;
            }
          }
        }
        bool missing = !action.must_exist.has_value() ? !any
                       : *action.must_exist           ? matched_names.size() < names.size()
                                                      : false;
        if (missing) {
          return util::NotFound("aliases_not_found_exception",
                                "aliases [" + Join(names) + "] missing")
              .WithMetadata("resource.id", Join(names))
              .WithMetadata("resource.type", "aliases");
        }
        break;
      }
      case AliasAction::Kind::kRemoveIndex: {
        for (const auto& index : targets) {
          removed_indices.insert(index);
          next.erase(index);
          touched.erase(index);
        }
        break;
      }
    }
  }
  // An alias may have at most one write index.
  std::map<std::string, std::vector<std::string>> writers;
  for (const auto& [index, aliases] : next) {
    for (const auto& [alias, meta] : aliases) {
      if (meta.is_write_index.value_or(false)) writers[alias].push_back(index);
      if (auto clash = indices_.find(alias);
          clash != indices_.end() && removed_indices.count(alias) == 0) {
        return Status(util::Code::kInvalidArgument, "invalid_alias_name_exception",
                      "Invalid alias name [" + alias +
                          "], an index exists with the same name as the alias")
            .WithMetadata("index_uuid", clash->second->uuid())
            .WithMetadata("index", alias);
      }
    }
  }
  for (const auto& [alias, indices] : writers) {
    if (indices.size() > 1) {
      return Status(util::Code::kInvalidArgument, "illegal_state_exception",
                    "alias [" + alias + "] has more than one write index [" + Join(indices) + "]");
    }
  }
  storage::WriteBatch batch;
  for (const auto& index : touched) {
    auto it = next.find(index);
    if (it == next.end() || it->second.empty()) {
      batch.Delete(storage::Column::kMeta, std::string(kAliasPrefix) + index);
      next.erase(index);
    } else {
      batch.Put(storage::Column::kMeta, std::string(kAliasPrefix) + index,
                SerializeAliases(it->second));
    }
  }
  for (const auto& index : removed_indices) {
    batch.Delete(storage::Column::kMeta, std::string(kAliasPrefix) + index);
  }
  SLUICE_RETURN_IF_ERROR(store_->Write(batch));
  aliases_ = std::move(next);
  for (const auto& index : removed_indices) {
    auto it = indices_.find(index);
    SLUICE_RETURN_IF_ERROR(it->second->Drop());
    indices_.erase(it);
  }
  return Status::Ok();
}

std::map<std::string, std::vector<std::string>> Catalog::AliasFilters(
    std::string_view expression) const {
  util::ReaderMutexLock lock(&mu_);
  std::set<std::string> unfiltered;
  std::map<std::string, std::vector<std::string>> filters;
  if (expression.empty() || IsPattern(expression) || expression == "*") return {};
  for (const auto& part : util::SplitNonEmpty(expression)) {
    bool pattern = IsPattern(part);
    for (const auto& [name, index] : indices_) {
      if (pattern ? util::WildcardMatch(part, name) : name == part) unfiltered.insert(name);
    }
    for (const auto& [name, aliases] : aliases_) {
      for (const auto& [alias, meta] : aliases) {
        if (!(pattern ? util::WildcardMatch(part, alias) : alias == part)) continue;
        if (meta.filter_json.empty()) {
          unfiltered.insert(name);
        } else {
          filters[name].push_back(meta.filter_json);
        }
      }
    }
  }
  for (const auto& name : unfiltered) filters.erase(name);
  return filters;
}

}  // namespace sluice::index
