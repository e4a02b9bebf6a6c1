// Composition of index templates with a create-index request, as
// MetadataCreateIndexService does it: layers apply in order, later ones win —
// settings by key, mappings merged object by object, aliases by name.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace sluice::index {

struct TemplateLayer {
  std::map<std::string, std::string> settings;  // flat, "index."-prefixed
  std::optional<std::string> mappings;          // normalised (NormalizeTemplateMappings)
  std::map<std::string, std::string> aliases;   // name -> AliasMetadata JSON
};

// A mappings object with dotted field names under "properties" expanded into
// objects ("a.b": {..} -> "a": {"properties": {"b": {..}}}), at every level,
// and a typed wrapper ({"_doc": {...}}) removed. Invalid JSON is returned as is.
std::string NormalizeTemplateMappings(std::string_view mappings_json);

// The create body {"settings":..,"mappings":..,"aliases":..} of `layers`
// followed by `body` (a create-index request, "" for none). Other members
// of body are kept as they are (the create refuses them). A body that is not
// a JSON object is returned unchanged, for the create to report.
util::Result<std::string> ComposeCreateBody(const std::vector<TemplateLayer>& layers,
                                            std::string_view body);

}  // namespace sluice::index
