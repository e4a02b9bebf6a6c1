// ModelStore: ml-commons' remote models (POST /_plugins/_ml/models/_register
// and friends), kept in the Store's meta column beside the connectors.
//
// Only remote models exist in sluice: a model is a name and a connector_id
// (which must name a stored connector), shown as ml-commons shows a remote
// model — name, model_group_id, algorithm "REMOTE", description,
// model_state ("REGISTERED", "DEPLOYED" after _deploy, back to "UNDEPLOYED"),
// connector_id, created_time, last_updated_time (and last_deployed_time /
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
  std::string connector_id;
  std::string json;  // the model as GET shows it
};

class ModelStore {
 public:
  // Both must outlive the store.
  ModelStore(storage::Store* store, const ConnectorStore* connectors);

  // Validates a register body ("name" and "connector_id" required,
  // "function_name" must be "remote" when given; an inline "connector" is
  // refused: create it with _create first) and stores the model.
  util::Result<std::string> Register(std::string_view body);
  util::Result<StoredModel> Get(const std::string& id) const;
  util::Status Delete(const std::string& id);
  // "DEPLOYED" or "UNDEPLOYED".
  util::Status SetState(const std::string& id, std::string_view state);
  // Every model, oldest first.
  util::Result<std::vector<StoredModel>> List() const;

 private:
  storage::Store* const store_;
  const ConnectorStore* const connectors_;
  std::mutex mu_;
};

}  // namespace sluice::ml
