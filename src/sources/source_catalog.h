// SourceCatalog: the entry point of the sources module. It expands a
// request's data_source into the objects to read and opens each one as a
// decompressing ByteSource, whatever the type: "file" (local, confined to
// --file-root), "s3", "openAI" (OpenAI Files API) or "http" (allowlisted hosts).
//
// Contract: immutable after construction; List() and Open() are thread-safe and
// may run concurrently. Errors are Status values: kInvalidArgument (bad type or
// location), kForbidden (path outside the roots, host not allowed), kNotFound
// (missing file/object/bucket, naming it), kUnauthorized (credentials rejected
// or missing), kUnavailable (network failure after retries). No message ever
// contains a secret.
#pragma once

#include <memory>
#include <vector>

#include "sources/byte_source.h"
#include "sources/sources_options.h"

namespace sluice::sources {

class SourceCatalog {
 public:
  explicit SourceCatalog(SourcesOptions options);
  ~SourceCatalog();
  SourceCatalog(const SourceCatalog&) = delete;
  SourceCatalog& operator=(const SourceCatalog&) = delete;

  // One slot per location, in order. An s3 prefix ("s3://b/p/") or a location
  // with '*' (s3 keys, or the file name of a local path) expands into its
  // objects in key order; a file location may be "/abs" or "file:///abs".
  // Sizes (for progress) come from the file system, the S3 listing or probe,
  // OpenAI's file metadata (GET {base}/files/{id}) or a one-byte ranged GET
  // for http; a size the server does not tell stays unknown.
  util::Result<std::vector<std::vector<SourceObject>>> List(const DataSource& source) const;

  // Opens `object` (from List on the same source) for streaming, starting at
  // `offset` bytes of DECOMPRESSED data (resume after a crash). gzip/zstd are
  // detected by magic bytes and decompressed. For uncompressed objects the
  // offset becomes a seek or a ranged request (after a first request that
  // sniffs the format); compressed objects are re-read and the prefix skipped.
  util::Result<std::unique_ptr<ByteSource>> Open(const DataSource& source,
                                                 const SourceObject& object,
                                                 uint64_t offset = 0) const;

  const SourcesOptions& options() const { return options_; }

 private:
  util::Result<std::unique_ptr<ByteSource>> OpenRaw(const DataSource& source,
                                                    const SourceObject& object,
                                                    uint64_t raw_offset) const;
  SourcesOptions options_;
};

}  // namespace sluice::sources
