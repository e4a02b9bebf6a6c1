// RecordInspector: what the reading loop of one source asks of every parsed
// record before it is mapped — is it the provider's own failure (an OpenAI
// error line, a Bedrock error record)? — and, once per source, which
// provider's output it is and which paths select nothing on its first
// (non-failed) record, reported as warnings.
//
// Not thread-safe: one per source, used by the reading thread.
#pragma once

#include <cstddef>

#include "ingest/ingest_progress.h"
#include "ingest/record_mapper.h"

namespace simdjson::dom {
class element;
}

namespace sluice::ingest {

class RecordInspector {
 public:
  // mapper and progress must outlive the inspector.
  RecordInspector(size_t source, const RecordMapper& mapper, IngestProgress& progress)
      : source_(source), mapper_(mapper), progress_(progress) {}

  // True when `record` is a provider failure: it is then counted as a failed
  // record (reason "openai: status 400: ...", with its _id when the mapping
  // gives one) and must not be mapped.
  bool ProviderFailed(const simdjson::dom::element& record, const RecordOrigin& origin);

 private:
  const size_t source_;
  const RecordMapper& mapper_;
  IngestProgress& progress_;
  bool recognised_ = false;
  bool checked_paths_ = false;
};

}  // namespace sluice::ingest
