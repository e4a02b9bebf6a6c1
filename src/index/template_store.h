// TemplateStore: OpenSearch's index templates — composable index templates
// (PUT _index_template), the component templates they are composed of
// (PUT _component_template) and legacy templates (PUT _template) — and their
// application to an index being created, as MetadataIndexTemplateService and
// MetadataCreateIndexService do it:
//
//   - the composable template with the highest priority whose index_patterns
//     match the new index's name applies: its component templates in
//     `composed_of` order, then its own `template`, then the create request;
//   - when none matches, every matching legacy template applies, in
//     ascending `order`, then the request;
//   - later layers win: settings by key, mappings merged object by object
//     (dotted field names expanded), aliases by name.
//
// Templates are persisted in the Store's meta column ("template/<kind>/<name>")
// as normalised JSON (settings flat, aliases as GET _alias shows them).
//
// Thread-safety: all methods are thread-safe.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/mutex.h"
#include "util/result.h"
#include "util/thread_annotations.h"

namespace sluice::storage {
class Store;
}

namespace sluice::index {

enum class TemplateKind { kComposable, kComponent, kLegacy };

// What cat/templates shows of a template.
struct TemplateSummary {
  std::string name;
  std::vector<std::string> index_patterns;  // empty for component templates
  int64_t order = 0;                        // legacy: order; composable: priority
  std::optional<int64_t> version;
  std::vector<std::string> composed_of;
  TemplateKind kind = TemplateKind::kLegacy;
};

class TemplateStore {
 public:
  // Loads the persisted templates. The store must outlive this object.
  static util::Result<std::unique_ptr<TemplateStore>> Open(storage::Store* store);

  // Validates and stores a template body. create: an existing template of
  // that name is illegal_argument_exception instead of replaced.
  util::Status Put(TemplateKind kind, std::string_view name, std::string_view body, bool create);
  // Deletes the templates named by a name, comma list or wildcard; a concrete
  // name that matches nothing is index_template_missing_exception (404).
  util::Status Delete(TemplateKind kind, std::string_view names);
  // (name, JSON) of the templates matching names ("" or "*" = all) in name
  // order; settings nested, or flat when flat_settings. A concrete name that
  // matches nothing is resource_not_found_exception (404); a wildcard
  // matching nothing is an empty list.
  util::Result<std::vector<std::pair<std::string, std::string>>> Get(TemplateKind kind,
                                                                     std::string_view names,
                                                                     bool flat_settings) const;
  bool Exists(TemplateKind kind, std::string_view names) const;
  std::vector<TemplateSummary> List() const;

  // The create-index body for index `name`: the matching templates composed
  // with `body` (which wins) into {"settings":..,"mappings":..,"aliases":..}.
  // Unchanged when no template matches.
  util::Result<std::string> Compose(std::string_view name, std::string_view body) const;
  // The name of the composable template that would apply to `name`, or "".
  std::string MatchingComposable(std::string_view name) const;

  struct Entry;  // one parsed template (template_store.cc)

 private:
  explicit TemplateStore(storage::Store* store) : store_(store) {}
  using Entries = std::map<std::string, std::shared_ptr<const Entry>, std::less<>>;
  const Entries& EntriesOf(TemplateKind kind) const REQUIRES_SHARED(mu_);
  std::vector<std::shared_ptr<const Entry>> Layers(std::string_view name) const;

  storage::Store* const store_;
  mutable util::SharedMutex mu_;
  Entries composable_ GUARDED_BY(mu_);
  Entries component_ GUARDED_BY(mu_);
  Entries legacy_ GUARDED_BY(mu_);
};

}  // namespace sluice::index
