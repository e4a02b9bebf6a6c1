// Local files as byte sources, restricted to allowed roots.
//
// ResolveLocalFile() turns a location ("/abs/path" or "file:///abs/path") into
// the canonical path (symlinks and ".." resolved by realpath) and checks that
// it lies under one of SourcesOptions::file_roots (themselves realpath'd) unless
// allow_any_file is set. Errors: kForbidden "[path] is not under an allowed file
// root (--file-root)"; kNotFound for a missing file under a root; kInvalidArgument
// for relative paths, directories and other non-regular files. A missing path
// outside every root is reported as forbidden, so that nothing outside the
// roots can be probed.
//
// FileSource reads one regular file with plain read(2); not thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sources/byte_source.h"
#include "sources/sources_options.h"

namespace sluice::sources {

struct LocalFile {
  std::string path;  // canonical absolute path
  uint64_t size = 0;
};

util::Result<LocalFile> ResolveLocalFile(std::string_view location, const SourcesOptions& options);

// Expands a location whose file name contains '*' (the directory part may
// not) into the matching regular files, sorted by name, each resolved with
// ResolveLocalFile. The directory must itself be allowed. No match → kNotFound.
util::Result<std::vector<LocalFile>> ExpandLocalGlob(std::string_view location,
                                                     const SourcesOptions& options);

class FileSource : public ByteSource {
 public:
  // Opens `path` (already resolved) and positions it at `offset`.
  static util::Result<std::unique_ptr<FileSource>> Open(const std::string& path, uint64_t offset);
  ~FileSource() override;
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  util::Result<size_t> Read(char* buf, size_t size) override;
  uint64_t raw_bytes_read() const override { return position_; }

 private:
  FileSource(int fd, std::string path, uint64_t position)
      : fd_(fd), path_(std::move(path)), position_(position) {}
  int fd_;
  std::string path_;
  uint64_t position_;
};

}  // namespace sluice::sources
