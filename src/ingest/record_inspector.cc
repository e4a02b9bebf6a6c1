#include "ingest/record_inspector.h"

#include <simdjson.h>

#include "ingest/provider_output.h"

namespace sluice::ingest {

bool RecordInspector::ProviderFailed(const simdjson::dom::element& record,
                                     const RecordOrigin& origin) {
  Provider provider = RecogniseRecord(record);
  if (!recognised_ && provider != Provider::kUnknown) {
    recognised_ = true;
    progress_.SetProvider(source_, ProviderName(provider));
  }
  if (auto failure = ProviderFailure(record)) {
    RecordOrigin failed = origin;
    if (auto id = mapper_.Id(record); id.ok() && *id) failed.id = **id;
    progress_.AddProviderFailure(failed, ProviderName(provider), std::move(*failure));
    return true;
  }
  if (!checked_paths_) {
    // The first record the provider did not fail: a path that selects nothing
    // here most likely does not fit the file (a typo, another provider's shape).
    checked_paths_ = true;
    for (const auto& [field, path] : mapper_.UnmatchedPaths(record)) {
      progress_.AddWarning("source[" + std::to_string(source_) + "] path [" + path +
                           "] of field [" + field + "] selects nothing on the first record of [" +
                           origin.location + "]: check the field_map against the file");
    }
  }
  return false;
}

}  // namespace sluice::ingest
