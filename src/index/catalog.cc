#include "index/catalog.h"

#include <rapidjson/document.h>

#include "json/value_text.h"
#include "storage/store.h"
#include "util/wildcard.h"

namespace sluice::index {
namespace {

using util::Status;

Status InvalidName(std::string_view name, const std::string& why) {
  return Status(util::Code::kInvalidArgument, "invalid_index_name_exception",
                "Invalid index name [" + std::string(name) + "], " + why)
      .WithMetadata("index_uuid", "_na_")
      .WithMetadata("index", std::string(name));
}

}  // namespace

Status ValidateIndexName(std::string_view name) {
  static constexpr std::string_view kInvalid = "\\/*?\"<>| ,";
  if (name.find_first_of(kInvalid) != std::string_view::npos) {
    return InvalidName(name,
                       "must not contain the following characters [ , \", *, \\, <, |, ,, "
                       ">, /, ?]");
  }
  if (name.empty()) return InvalidName(name, "must not be empty");
  if (name.find('#') != std::string_view::npos) return InvalidName(name, "must not contain '#'");
  if (name.find(':') != std::string_view::npos) return InvalidName(name, "must not contain ':'");
  if (name[0] == '_' || name[0] == '-' || name[0] == '+') {
    return InvalidName(name, "must not start with '_', '-', or '+'");
  }
  if (name.size() > 255) {
    return InvalidName(name, "index name is too long, (" + std::to_string(name.size()) + " > 255)");
  }
  if (name == "." || name == "..") return InvalidName(name, "must not be '.' or '..'");
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') return InvalidName(name, "must be lowercase");
  }
  return Status::Ok();
}

Status IndexNotFound(std::string_view name) {
  std::string n(name);
  return util::NotFound("index_not_found_exception", "no such index [" + n + "]")
      .WithMetadata("index", n)
      .WithMetadata("resource.id", n)
      .WithMetadata("resource.type", "index_or_alias")
      .WithMetadata("index_uuid", "_na_");
}

util::Result<std::unique_ptr<Catalog>> Catalog::Open(storage::Store* store, IndexOptions options) {
  std::unique_ptr<Catalog> catalog(new Catalog(store, options));
  std::vector<std::pair<std::string, std::string>> records;
  SLUICE_RETURN_IF_ERROR(store->Scan(storage::Column::kMeta, "index/",
                                     [&](std::string_view key, std::string_view value) {
                                       records.emplace_back(key.substr(6), value);
                                       return true;
                                     }));
  for (const auto& [name, meta] : records) {
    SLUICE_ASSIGN_OR_RETURN(auto index, Index::Open(store, name, meta, options));
    util::WriterMutexLock lock(&catalog->mu_);  // not shared yet: uncontended
    catalog->indices_.emplace(name, std::move(index));
  }
  {
    util::WriterMutexLock lock(&catalog->mu_);
    SLUICE_RETURN_IF_ERROR(catalog->LoadAliases());
  }
  SLUICE_ASSIGN_OR_RETURN(catalog->templates_, TemplateStore::Open(store));
  std::vector<std::string> closed;
  SLUICE_RETURN_IF_ERROR(
      store->Scan(storage::Column::kMeta, "closed/", [&](std::string_view key, std::string_view) {
        closed.emplace_back(key.substr(7));
        return true;
      }));
  util::WriterMutexLock lock(&catalog->mu_);
  catalog->closed_.insert(closed.begin(), closed.end());
  return catalog;
}

util::Result<std::shared_ptr<Index>> Catalog::Create(std::string_view name,
                                                     std::string_view request_body) {
  SLUICE_RETURN_IF_ERROR(ValidateIndexName(name));
  SLUICE_ASSIGN_OR_RETURN(std::string composed, templates_->Compose(name, request_body));
  std::string_view body = composed;
  std::string settings_json, mappings_json;
  std::vector<AliasAction> alias_adds;
  if (!body.empty()) {
    rapidjson::Document doc;
    doc.Parse(body.data(), body.size());
    if (doc.HasParseError() || !doc.IsObject()) {
      return util::ParseError("Failed to parse content to map")
          .WithCause(Status(util::Code::kInvalidArgument, "json_parse_exception",
                            "the request body is not a JSON object"));
    }
    for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
      std::string key = it->name.GetString();
      if (key == "settings") {
        if (!it->value.IsObject()) return util::InvalidArgument("[settings] must be an object");
        settings_json = json::ValueText(it->value);
      } else if (key == "mappings") {
        if (!it->value.IsObject()) {
          return util::MapperParsingError("Failed to parse mapping [_doc]: expected an object");
        }
        mappings_json = json::ValueText(it->value);
      } else if (key == "aliases") {
        if (!it->value.IsObject()) return util::ParsingError("[aliases] must be an object");
        for (auto a = it->value.MemberBegin(); a != it->value.MemberEnd(); ++a) {
          AliasAction add;
          add.index = std::string(name);
          add.alias = a->name.GetString();
          SLUICE_RETURN_IF_ERROR(ValidateAliasName(add.alias));
          if (!a->value.IsObject())
            return util::ParsingError("[" + add.alias + "] must be an object");
          SLUICE_ASSIGN_OR_RETURN(add.metadata, ParseAliasMetadata(json::ValueText(a->value)));
          if (add.alias == name) {
            return Status(util::Code::kInvalidArgument, "invalid_alias_name_exception",
                          "Invalid alias name [" + add.alias +
                              "], an index exists with the same name as the alias");
          }
          alias_adds.push_back(std::move(add));
        }
      } else {
        return util::ParsingError("unknown key [" + key + "] for create index");
      }
    }
  }
  SLUICE_ASSIGN_OR_RETURN(IndexSettings settings, IndexSettings::Parse(settings_json));
  Mapping mapping;
  if (!mappings_json.empty()) {
    auto parsed = Mapping::Parse(mappings_json, settings.knn());
    if (!parsed.ok()) {
      return util::MapperParsingError("Failed to parse mapping [_doc]: " + parsed.status().reason())
          .WithCause(parsed.status());
    }
    mapping = std::move(*parsed);
  }
  std::shared_ptr<Index> index;
  {
    util::WriterMutexLock lock(&mu_);
    if (IsAliasLocked(name)) return InvalidName(name, "already exists as alias");
    if (auto it = indices_.find(name); it != indices_.end()) {
      std::string n(name);
      return Status(util::Code::kAlreadyExists, "resource_already_exists_exception",
                    "index [" + n + "/" + it->second->uuid() + "] already exists")
          .WithMetadata("index_uuid", it->second->uuid())
          .WithMetadata("index", n);
    }
    SLUICE_ASSIGN_OR_RETURN(index, Index::Create(store_, std::string(name), std::move(settings),
                                                 std::move(mapping), options_));
    indices_.emplace(std::string(name), index);
  }
  if (!alias_adds.empty()) {
    // The index and its aliases are one request: an alias refused undoes the index.
    if (Status s = UpdateAliases(alias_adds); !s.ok()) {
      (void)Delete(name);
      return s;
    }
  }
  return index;
}

util::Result<std::shared_ptr<Index>> Catalog::Get(std::string_view name) const {
  util::ReaderMutexLock lock(&mu_);
  auto it = indices_.find(name);
  if (it != indices_.end()) {
    if (closed_.count(name) > 0) return IndexClosed(*it->second);
    return it->second;
  }
  if (IsAliasLocked(name)) {
    SLUICE_ASSIGN_OR_RETURN(auto index, WriteIndexLocked(name));
    if (closed_.count(index->name()) > 0) return IndexClosed(*index);
    return index;
  }
  return IndexNotFound(name);
}

Status Catalog::Delete(std::string_view name) {
  std::shared_ptr<Index> index;
  {
    util::WriterMutexLock lock(&mu_);
    auto it = indices_.find(name);
    if (it == indices_.end()) return IndexNotFound(name);
    index = it->second;
    SLUICE_RETURN_IF_ERROR(index->Drop());
    indices_.erase(it);
    if (auto a = aliases_.find(name); a != aliases_.end()) {
      storage::WriteBatch batch;
      batch.Delete(storage::Column::kMeta, "alias/" + std::string(name));
      SLUICE_RETURN_IF_ERROR(store_->Write(batch));
      aliases_.erase(a);
    }
    if (auto c = closed_.find(name); c != closed_.end()) {
      storage::WriteBatch batch;
      batch.Delete(storage::Column::kMeta, "closed/" + std::string(name));
      SLUICE_RETURN_IF_ERROR(store_->Write(batch));
      closed_.erase(c);
    }
  }
  return Status::Ok();
}

util::Result<std::vector<std::shared_ptr<Index>>> Catalog::Resolve(
    std::string_view expression) const {
  util::ReaderMutexLock lock(&mu_);
  return ResolveLocked(expression, /*include_closed=*/false);
}

util::Result<std::vector<std::shared_ptr<Index>>> Catalog::ResolveAll(
    std::string_view expression) const {
  util::ReaderMutexLock lock(&mu_);
  return ResolveLocked(expression, /*include_closed=*/true);
}

Status Catalog::IndexClosed(const Index& index) {
  return Status(util::Code::kInvalidArgument, "index_closed_exception", "closed")
      .WithMetadata("index_uuid", index.uuid())
      .WithMetadata("index", index.name());
}

bool Catalog::IsClosed(std::string_view name) const {
  util::ReaderMutexLock lock(&mu_);
  return closed_.count(name) > 0;
}

Status Catalog::SetClosed(const std::vector<std::shared_ptr<Index>>& indices, bool closed) {
  util::WriterMutexLock lock(&mu_);
  storage::WriteBatch batch;
  for (const auto& index : indices) {
    if (closed) {
      batch.Put(storage::Column::kMeta, "closed/" + index->name(), "1");
    } else {
      batch.Delete(storage::Column::kMeta, "closed/" + index->name());
    }
  }
  SLUICE_RETURN_IF_ERROR(store_->Write(batch));
  for (const auto& index : indices) {
    if (closed) {
      closed_.insert(index->name());
    } else {
      closed_.erase(index->name());
    }
  }
  return Status::Ok();
}

util::Result<std::vector<std::shared_ptr<Index>>> Catalog::ResolveLocked(
    std::string_view expression, bool include_closed) const {
  std::vector<std::shared_ptr<Index>> out;
  // Wildcards skip closed indices unless asked for them; concrete names of
  // closed indices are refused.
  auto add_matched = [&](const std::shared_ptr<Index>& index) REQUIRES_SHARED(mu_) {
    if (!include_closed && closed_.count(index->name()) > 0) return;
    for (const auto& existing : out) {
      if (existing == index) return;
    }
    out.push_back(index);
  };
  Status closed_error;
  auto add = [&](const std::shared_ptr<Index>& index) REQUIRES_SHARED(mu_) {
    if (!include_closed && closed_.count(index->name()) > 0) {
      if (closed_error.ok()) closed_error = IndexClosed(*index);
      return;
    }
    add_matched(index);
  };
  if (expression.empty() || expression == "_all" || expression == "*") {
    for (const auto& [n, index] : indices_) add_matched(index);
    return out;
  }
  size_t start = 0;
  while (start <= expression.size()) {
    size_t comma = expression.find(',', start);
    std::string_view part =
        expression.substr(start, comma == std::string_view::npos ? expression.npos : comma - start);
    if (!part.empty()) {
      if (part.find('*') != std::string_view::npos) {
        for (const auto& [n, index] : indices_) {
          if (util::WildcardMatch(part, n)) add_matched(index);
        }
        for (const auto& [n, aliases] : aliases_) {
          for (const auto& [alias, meta] : aliases) {
            if (util::WildcardMatch(part, alias)) add_matched(indices_.find(n)->second);
          }
        }
      } else if (auto it = indices_.find(part); it != indices_.end()) {
        add(it->second);
      } else {
        bool found = false;
        for (const auto& [n, aliases] : aliases_) {
          if (aliases.count(std::string(part)) > 0) {
            add(indices_.find(n)->second);
            found = true;
          }
        }
        if (!found) return IndexNotFound(part);
      }
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (!closed_error.ok()) return closed_error;
  return out;
}

std::vector<std::shared_ptr<Index>> Catalog::List() const {
  util::ReaderMutexLock lock(&mu_);
  std::vector<std::shared_ptr<Index>> out;
  for (const auto& [n, index] : indices_) out.push_back(index);
  return out;
}

util::Status Catalog::CheckpointAll() const {
  util::Status first_error;
  for (const auto& index : List()) {
    util::Status s = index->Checkpoint();
    if (!s.ok() && first_error.ok()) first_error = s;
  }
  return first_error;
}

}  // namespace sluice::index
