#include "index/cluster_settings.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <string_view>
#include <vector>

#include "index/knn_breaker.h"
#include "json/json_writer.h"
#include "storage/store.h"

namespace sluice::index {
namespace {

constexpr const char* kLimit = "knn.memory.circuit_breaker.limit";
constexpr const char* kPersistentKey = "cluster_settings/persistent";

// OpenSearch's dynamic shard-allocation and recovery settings, with its defaults. A single
// node has no shards to move: they are validated, stored and answered, and change nothing.
struct Accepted {
  const char* key;
  const char* default_value;
  std::vector<std::string_view> allowed;  // empty: any value
};
const std::vector<Accepted>& AcceptedSettings() {
  static const std::vector<Accepted> kAccepted = {
      {"cluster.routing.allocation.enable", "all", {"all", "primaries", "new_primaries", "none"}},
      {"cluster.routing.rebalance.enable", "all", {"all", "primaries", "replicas", "none"}},
      {"cluster.routing.allocation.allow_rebalance", "indices_all_active",
       {"always", "indices_primaries_active", "indices_all_active"}},
      {"cluster.routing.allocation.cluster_concurrent_rebalance", "2", {}},
      {"cluster.routing.allocation.node_concurrent_recoveries", "2", {}},
      {"cluster.routing.allocation.disk.threshold_enabled", "true", {"true", "false"}},
      {"cluster.routing.allocation.disk.watermark.low", "85%", {}},
      {"cluster.routing.allocation.disk.watermark.high", "90%", {}},
      {"cluster.routing.allocation.disk.watermark.flood_stage", "95%", {}},
      {"cluster.max_shards_per_node", "1000", {}},
      {"indices.recovery.max_bytes_per_sec", "40mb", {}},
  };
  return kAccepted;
}

const Accepted* FindAccepted(const std::string& key) {
  for (const auto& a : AcceptedSettings()) {
    if (key == a.key) return &a;
  }
  return nullptr;
}

util::Status Validate(const ClusterSettings::Update& update, const std::string& type,
                      uint64_t base) {
  for (const auto& [key, value] : update) {
    if (const Accepted* a = FindAccepted(key)) {
      if (value && !a->allowed.empty() &&
          std::find(a->allowed.begin(), a->allowed.end(), *value) == a->allowed.end()) {
        return util::InvalidArgument("illegal value can't update [" + key + "] from [" +
                                     a->default_value + "] to [" + *value + "]");
      }
      continue;
    }
    if (key != kLimit) {
      return util::InvalidArgument(type + " setting [" + key + "], not recognized");
    }
    if (value) {
      auto parsed = ParseMemorySize(key, *value, base);
      if (!parsed.ok()) return parsed.status();
    }
  }
  return util::Status::Ok();
}

void Merge(const ClusterSettings::Update& update, ClusterSettings::Flat* into) {
  for (const auto& [key, value] : update) {
    if (value) {
      (*into)[key] = *value;
    } else {
      into->erase(key);
    }
  }
}

}  // namespace

util::Result<std::unique_ptr<ClusterSettings>> ClusterSettings::Open(storage::Store* store,
                                                                     KnnMemoryBreaker* breaker) {
  std::unique_ptr<ClusterSettings> settings(new ClusterSettings(store, breaker));
  SLUICE_ASSIGN_OR_RETURN(auto stored, store->Get(storage::Column::kMeta, kPersistentKey));
  util::MutexLock lock(&settings->mu_);
  if (stored) {
    rapidjson::Document doc;
    doc.Parse(stored->data(), stored->size());
    if (doc.HasParseError() || !doc.IsObject()) {
      return util::Internal("corrupt persistent cluster settings");
    }
    for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
      if (it->value.IsString()) settings->persistent_[it->name.GetString()] = it->value.GetString();
    }
  }
  SLUICE_RETURN_IF_ERROR(settings->ApplyEffective());
  return settings;
}

util::Status ClusterSettings::Apply(const Update& persistent, const Update& transient) {
  const uint64_t base = breaker_ ? breaker_->base_bytes() : 0;
  SLUICE_RETURN_IF_ERROR(Validate(persistent, "persistent", base));
  SLUICE_RETURN_IF_ERROR(Validate(transient, "transient", base));
  util::MutexLock lock(&mu_);
  Flat next = persistent_;
  Merge(persistent, &next);
  if (!persistent.empty()) {
    json::JsonWriter w;
    w.StartObject();
    for (const auto& [key, value] : next) w.Key(key).String(value);
    w.EndObject();
    storage::WriteBatch batch;
    batch.Put(storage::Column::kMeta, kPersistentKey, w.Take());
    SLUICE_RETURN_IF_ERROR(store_->Write(batch));
  }
  persistent_ = std::move(next);
  Merge(transient, &transient_);
  return ApplyEffective();
}

util::Status ClusterSettings::ApplyEffective() {
  if (breaker_ == nullptr) return util::Status::Ok();
  std::string limit(KnnMemoryBreaker::kDefaultLimit);
  if (auto it = persistent_.find(kLimit); it != persistent_.end()) limit = it->second;
  if (auto it = transient_.find(kLimit); it != transient_.end()) limit = it->second;
  return breaker_->SetLimit(limit);
}

ClusterSettings::Flat ClusterSettings::persistent() const {
  util::MutexLock lock(&mu_);
  return persistent_;
}

ClusterSettings::Flat ClusterSettings::transient() const {
  util::MutexLock lock(&mu_);
  return transient_;
}

ClusterSettings::Flat ClusterSettings::Defaults() {
  Flat defaults = {{kLimit, std::string(KnnMemoryBreaker::kDefaultLimit)}};
  for (const auto& a : AcceptedSettings()) defaults[a.key] = a.default_value;
  return defaults;
}

}  // namespace sluice::index
