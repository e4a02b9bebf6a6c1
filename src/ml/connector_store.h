// ConnectorStore: ml-commons connectors (POST /_plugins/_ml/connectors/_create
// and friends), kept in the Store's meta column.
//
// A connector is stored as ml-commons shows it — name, version, description,
// protocol, parameters, actions (each kept as given, action_type upper-cased),
// backend_roles, access, client_config, created_time, last_updated_time — and,
// apart from it, its `credential` sealed with the secrets key
// (secrets/sealer.h, bound to the connector id). The credential is never
// returned by Get/List and exists in plain form only in what Credential()
// returns. Without a sealer, a connector with a credential is refused (sluice
// never writes a credential in plain form).
//
// Errors: a malformed body is a 400 (illegal_argument_exception or
// parsing_exception naming the field, ml-commons' messages where it has one);
// An inline connector of a model (CreateForModel) is stored the same way,
// marked with its model's id.
//
// an unknown id is a 404 status_exception "Failed to find connector with the
// provided connector id: <id>"; storage failures pass through.
//
// Thread-safety: all methods are thread-safe (updates are serialised).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "secrets/sealed_map.h"
#include "util/result.h"

namespace sluice::storage {
class Store;
}

namespace sluice::ml {

inline constexpr std::string_view kConnectorIndex = ".plugins-ml-connector";

struct StoredConnector {
  std::string id;
  int64_t version = 1;  // the document version: 1 at creation, +1 per update
  std::string json;     // the connector as GET shows it (no credential)
  // The model whose inline connector this is ("" = a standalone connector).
  // Such a connector is not listed and not served by the connector routes.
  std::string model_id = {};
};

class ConnectorStore {
 public:
  // Both must outlive the store; sealer may be null (connectors then cannot
  // hold a credential).
  ConnectorStore(storage::Store* store, const secrets::Sealer* sealer);
  ~ConnectorStore();

  // Validates and stores a new connector; returns its id.
  util::Result<std::string> Create(std::string_view body);
  // The inline `connector` of a model registered with one (ml-commons keeps
  // it in the model): validated and sealed like a standalone connector, kept
  // under its own id for the model's use only (List skips it). Returns the id.
  util::Result<std::string> CreateForModel(const std::string& model_id, std::string_view body);
  util::Result<StoredConnector> Get(const std::string& id) const;
  // ml-commons' update: given fields replace the stored ones, "parameters"
  // are merged into the stored parameters, a given credential is sealed anew
  // (with the current key). Returns the new version.
  util::Result<int64_t> Update(const std::string& id, std::string_view body);
  util::Status Delete(const std::string& id);
  // Every standalone connector, oldest first.
  util::Result<std::vector<StoredConnector>> List() const;
  // The connector's credential, unsealed, plus "region" from its parameters
  // when it has one (what batch ingestion needs from it).
  util::Result<secrets::SecretMap> Credential(const std::string& id) const;

 private:
  struct Record;
  util::Result<Record> Load(const std::string& id) const;
  util::Status Save(const Record& record);

  storage::Store* const store_;
  const secrets::Sealer* const sealer_;
  std::mutex mu_;  // serialises read-modify-write of records
};

}  // namespace sluice::ml
