// Aliases: OpenSearch's AliasMetadata and the actions of POST /_aliases.
//
// An alias names one or more indices. Its metadata is what OpenSearch keeps:
// a filter (applied to searches, counts and by-query operations through the
// alias: Catalog::AliasFilters), index/search routing (accepted and returned; a
// single node has one shard per index, so routing selects nothing), and
// is_write_index (which index writes through the alias go to).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "util/result.h"

namespace sluice::index {

struct AliasMetadata {
  std::string filter_json;  // the filter object as JSON; empty when none
  std::optional<std::string> index_routing;
  std::optional<std::string> search_routing;
  std::optional<bool> is_write_index;
  std::optional<bool> is_hidden;

  // {"filter":..,"index_routing":..,"search_routing":..,"is_write_index":..}
  // with only the members that are set, as GET /_alias renders them.
  std::string ToJson() const;
  bool operator==(const AliasMetadata&) const = default;
};

// Parses an alias body ({"filter":..,"routing":..,"index_routing":..,
// "search_routing":..,"is_write_index":..}); the empty string is no metadata.
// "routing" sets the routings index_routing/search_routing leave unset; an unknown key is a parse
// error, as OpenSearch.
util::Result<AliasMetadata> ParseAliasMetadata(std::string_view json);

// Checks an alias name as OpenSearch's AliasValidator does
// (invalid_alias_name_exception; an empty name is "alias name is required").
util::Status ValidateAliasName(std::string_view name);

// One action of POST /_aliases, already expanded to a concrete index and alias
// name (or pattern, for remove).
struct AliasAction {
  enum class Kind { kAdd, kRemove, kRemoveIndex };
  Kind kind = Kind::kAdd;
  std::string index;       // an index name or expression
  std::string alias;       // add: a name; remove: a name, list, wildcard or _all
  AliasMetadata metadata;  // add only
  // remove: unset, it is an error when no alias matches; true, when any name
  // matches none; false, never.
  std::optional<bool> must_exist;
};

}  // namespace sluice::index
