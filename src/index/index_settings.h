// IndexSettings: an index's settings, as OpenSearch's "settings" object.
//
// Settings arrive nested ({"index":{"knn":true}}) or flat ("index.knn":
// "true"), with numbers and booleans as strings or not; they are kept as the
// flat map of strings OpenSearch shows (GET _settings) plus typed accessors
// for the ones sluice acts on. Unknown settings are rejected as OpenSearch
// does ("unknown setting [index.foo] ...").
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.h"

namespace sluice::index {

class IndexSettings {
 public:
  // Parses a create-index "settings" object ("" or "{}" for defaults).
  static util::Result<IndexSettings> Parse(std::string_view settings_json);
  // Restores settings persisted by ToFlatJson.
  static util::Result<IndexSettings> FromFlatJson(std::string_view flat_json);
  // Parses a settings object (nested or flat) into the flat map of what it
  // sets, keys prefixed "index.", values as strings, checked as Parse checks
  // them but without defaults (templates, PUT _settings). A JSON null value
  // is nullopt: the setting is reset to its default. A body wrapped in
  // {"settings": {...}} is unwrapped.
  using Overrides = std::map<std::string, std::optional<std::string>>;
  static util::Result<Overrides> ParseOverrides(std::string_view settings_json);
  // A flat map rendered nested by dots, as ToNestedJson.
  static std::string NestFlat(const std::map<std::string, std::string>& flat);
  static std::string FlatJson(const std::map<std::string, std::string>& flat);

  // These settings with `updates` (from ParseOverrides; nullopt resets)
  // applied, as PUT /<index>/_settings does: a setting OpenSearch cannot
  // change on an open index (index.number_of_shards, index.knn, analysis...)
  // is illegal_argument_exception naming it, as OpenSearch words it.
  util::Result<IndexSettings> WithUpdates(const Overrides& updates, std::string_view index_label,
                                          bool index_open, bool preserve_existing) const;

  int number_of_shards() const { return number_of_shards_; }
  int number_of_replicas() const { return number_of_replicas_; }
  bool knn() const { return knn_; }
  int knn_ef_search() const { return knn_ef_search_; }
  int max_result_window() const { return max_result_window_; }

  // Adds the settings OpenSearch generates at creation (uuid, creation date, ...).
  void SetGenerated(std::string_view name, std::string_view uuid, int64_t creation_date_ms);

  // {"index.knn":"true",...}
  std::string ToFlatJson() const;
  // {"index":{"knn":"true",...}} nested by dots, as GET /<index> shows it.
  std::string ToNestedJson() const;
  const std::map<std::string, std::string>& flat() const { return flat_; }

 private:
  util::Status Set(const std::string& key, const std::string& value);
  util::Status Resolve();

  std::map<std::string, std::string> flat_;
  int number_of_shards_ = 1;
  int number_of_replicas_ = 1;
  bool knn_ = false;
  int knn_ef_search_ = 100;
  int max_result_window_ = 10000;
};

}  // namespace sluice::index
