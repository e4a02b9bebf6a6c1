// Catalog: the set of indices in one data directory.
//
// Opens every persisted index at start, creates and deletes indices, and
// resolves index expressions (names, comma lists, wildcards, _all) the way
// OpenSearch's REST layer does. Index objects are shared_ptrs: a request that
// holds one keeps using it safely even if the index is deleted meanwhile.
//
// Thread-safety: all methods are thread-safe.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "index/alias.h"
#include "index/index.h"
#include "index/template_store.h"
#include "util/mutex.h"
#include "util/result.h"
#include "util/thread_annotations.h"

namespace sluice::index {

// Checks an index name against OpenSearch's rules (invalid_index_name_exception).
util::Status ValidateIndexName(std::string_view name);

// The OpenSearch error for a missing index.
util::Status IndexNotFound(std::string_view name);

class Catalog {
 public:
  // Opens every index persisted in store. The store must outlive the catalog.
  static util::Result<std::unique_ptr<Catalog>> Open(storage::Store* store, IndexOptions options);

  // Creates an index from a create-index body ({"settings":..,"mappings":..,"aliases":..}).
  util::Result<std::shared_ptr<Index>> Create(std::string_view name, std::string_view body);
  // The index `name` names for a single-index operation (get, index, bulk): the
  // index, or the write index of the alias `name` (its is_write_index index, or
  // its only index); an alias without one is illegal_argument_exception.
  util::Result<std::shared_ptr<Index>> Get(std::string_view name) const;
  // Deletes the index and its aliases.
  util::Status Delete(std::string_view name);

  // Resolves "a,b", "logs-*", "_all", "*", where a name or pattern may also be
  // an alias (its indices). A concrete name that is neither index nor alias is
  // index_not_found_exception; wildcards may match nothing. A closed index
  // named concretely is index_closed_exception; wildcards skip closed indices.
  util::Result<std::vector<std::shared_ptr<Index>>> Resolve(std::string_view expression) const;
  // As Resolve, closed indices included (metadata APIs: settings, mappings,
  // get, open/close, stats, cat).
  util::Result<std::vector<std::shared_ptr<Index>>> ResolveAll(std::string_view expression) const;

  // Closes or opens indices, persisted. A closed index keeps its documents
  // and metadata; reads and writes of it are index_closed_exception (400).
  util::Status SetClosed(const std::vector<std::shared_ptr<Index>>& indices, bool closed);
  bool IsClosed(std::string_view name) const;
  // The OpenSearch error for an operation on a closed index.
  static util::Status IndexClosed(const Index& index);

  // The index templates applied by Create.
  TemplateStore& templates() const { return *templates_; }
  std::vector<std::shared_ptr<Index>> List() const;
  // Checkpoints the vector graphs of every index (see Index::Checkpoint).
  util::Status CheckpointAll() const;

  // Applies the actions all or none (validated first, persisted in one write),
  // as OpenSearch's MetadataIndexAliasesService: add replaces an alias's
  // metadata on an index; remove of a missing alias is aliases_not_found_exception;
  // remove_index deletes the index. An alias with several write indices is refused.
  util::Status UpdateAliases(const std::vector<AliasAction>& actions);
  // The alias filters a search of `expression` applies, as OpenSearch's
  // IndicesService.buildAliasFilter: index name -> the filters (JSON) of the
  // aliases it was reached through, to be OR-ed. An index reached by its own
  // name, a wildcard over index names, or an alias without a filter is absent
  // (unfiltered).
  std::map<std::string, std::vector<std::string>> AliasFilters(std::string_view expression) const;
  // index name -> (alias name -> metadata), for every index (empty maps included).
  std::map<std::string, std::map<std::string, AliasMetadata>> Aliases() const;

 private:
  Catalog(storage::Store* store, IndexOptions options) : store_(store), options_(options) {}

  storage::Store* const store_;
  const IndexOptions options_;
  mutable util::SharedMutex mu_;
  // Reads the persisted aliases (meta keys "alias/<index>"). Called by Open.
  util::Status LoadAliases() REQUIRES(mu_);
  using AliasMap = std::map<std::string, std::map<std::string, AliasMetadata>, std::less<>>;
  // Whether some index has the alias.
  bool IsAliasLocked(std::string_view alias) const REQUIRES_SHARED(mu_);
  util::Result<std::shared_ptr<Index>> WriteIndexLocked(std::string_view alias) const
      REQUIRES_SHARED(mu_);
  util::Result<std::vector<std::shared_ptr<Index>>> ResolveLocked(std::string_view expression,
                                                                  bool include_closed) const
      REQUIRES_SHARED(mu_);

  std::unique_ptr<TemplateStore> templates_;  // set by Open
  std::set<std::string, std::less<>> closed_ GUARDED_BY(mu_);

  std::map<std::string, std::shared_ptr<Index>, std::less<>> indices_ GUARDED_BY(mu_);
  AliasMap aliases_ GUARDED_BY(mu_);  // index name -> its aliases (absent: none)
};

}  // namespace sluice::index
