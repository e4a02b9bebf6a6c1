// ModelStore: ml-commons' remote models (POST /_plugins/_ml/models/_register
// and friends), kept in the Store's meta column beside the connectors.
//
// Only remote models exist in sluice: a model is a name and either a
// connector_id (which must name a stored connector) or an inline `connector`
// (ml-commons' "internal connector": stored through
// ConnectorStore::CreateForModel, its credential sealed like a standalone
// connector's, deleted with the model). It is shown as ml-commons shows a
// remote model — name, model_group_id, algorithm "REMOTE", description,
// model_state ("REGISTERED", "DEPLOYED" after _deploy or register with
// deploy, back to "UNDEPLOYED"), connector_id or connector (never its
// credential), created_time, last_updated_time (and last_deployed_time /
// last_undeployed_time). Remote models need no deployment: _deploy and
// _undeploy only change model_state.
//
// Errors: a malformed body is a 400 illegal_argument_exception naming the
// field; an unknown model id is a 404 status_exception "Failed to find model";
// an unknown connector a 404 from the connector store.
//
// Thread-safety: all methods are thread-safe (updates are serialised).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace sluice::storage {
class Store;
}

namespace sluice::ml {

class ConnectorStore;

inline constexpr std::string_view kModelIndex = ".plugins-ml-model";

struct StoredModel {
  std::string id;
  int64_t version = 1;
  // The connector the model calls: the given connector_id, or the id of its
  // inline connector (then `inline_connector`).
  std::string connector_id;
  std::string json;  // the model as GET shows it
  bool inline_connector = false;
  std::string state = {};  // model_state
};

class ModelStore {
 public:
  // Both must outlive the store.
  ModelStore(storage::Store* store, ConnectorStore* connectors);

  // Validates a register body ("name" required, exactly one of
  // "connector_id" and "connector", "function_name" must be "remote" when
  // given) and stores the model, "DEPLOYED" at once with `deploy`
  // (register's ?deploy=true).
  util::Result<std::string> Register(std::string_view body, bool deploy = false);
  util::Result<StoredModel> Get(const std::string& id) const;
  // Refuses a DEPLOYED model (400, as ml-commons); deletes an inline connector too.
  util::Status Delete(const std::string& id);
  // "DEPLOYED" or "UNDEPLOYED".
  util::Status SetState(const std::string& id, std::string_view state);
  // Every model, oldest first.
  util::Result<std::vector<StoredModel>> List() const;

 private:
  storage::Store* const store_;
  ConnectorStore* const connectors_;
  std::mutex mu_;
};

}  // namespace sluice::ml
