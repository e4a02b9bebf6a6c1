#include "sources/file_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "sources/glob_match.h"
#include "sources/sigv4_signer.h"

namespace sluice::sources {
namespace {

std::string ErrnoText(int err) { return std::strerror(err); }

std::optional<std::string> RealPath(const std::string& path, int* err) {
  char* resolved = realpath(path.c_str(), nullptr);
  if (resolved == nullptr) {
    *err = errno;
    return std::nullopt;
  }
  std::string out(resolved);
  std::free(resolved);
  return out;
}

bool IsUnder(const std::string& path, const std::string& root) {
  if (root == "/") return true;
  return path == root || (path.size() > root.size() && path.compare(0, root.size(), root) == 0 &&
                          path[root.size()] == '/');
}

bool UnderAnyRoot(const std::string& path, const SourcesOptions& options) {
  for (const std::string& root : options.file_roots) {
    int err = 0;
    std::optional<std::string> real_root = RealPath(root, &err);
    if (real_root && IsUnder(path, *real_root)) return true;
  }
  return false;
}

util::Status NotUnderRoot(std::string_view path) {
  std::string reason = "[";
  reason.append(path);
  reason.append("] is not under an allowed file root (--file-root)");
  return util::Forbidden(std::move(reason));
}

}  // namespace

util::Result<LocalFile> ResolveLocalFile(std::string_view location, const SourcesOptions& options) {
  std::string path(location);
  if (location.starts_with("file://")) {
    std::string_view rest = location.substr(7);
    if (!rest.starts_with("/")) {
      return util::InvalidArgument("file URI [" + std::string(location) +
                                   "] must be file:///absolute/path (no host)");
    }
    path = PercentDecode(rest);
  }
  if (path.empty() || path[0] != '/') {
    return util::InvalidArgument("file location [" + path + "] must be an absolute path");
  }
  if (path.find('\0') != std::string::npos) {
    return util::InvalidArgument("file location contains a NUL byte");
  }
  if (!options.allow_any_file && options.file_roots.empty()) return NotUnderRoot(path);

  int err = 0;
  std::optional<std::string> real = RealPath(path, &err);
  if (!real) {
    // Only report "missing" for paths that would be allowed; outside the roots
    // every path is simply forbidden.
    std::string lexical = std::filesystem::path(path).lexically_normal().string();
    if (!options.allow_any_file && !UnderAnyRoot(lexical, options)) return NotUnderRoot(path);
    if (err == ENOENT || err == ENOTDIR) {
      return util::NotFound("resource_not_found_exception", "no such file [" + path + "]")
          .WithMetadata("path", path);
    }
    return util::IoError("cannot resolve [" + path + "]: " + ErrnoText(err));
  }
  if (!options.allow_any_file && !UnderAnyRoot(*real, options)) return NotUnderRoot(path);

  struct stat st {};
  if (stat(real->c_str(), &st) != 0) {
    return util::IoError("cannot stat [" + path + "]: " + ErrnoText(errno));
  }
  if (S_ISDIR(st.st_mode)) {
    return util::InvalidArgument("[" + path + "] is a directory, not a file");
  }
  if (!S_ISREG(st.st_mode)) {
    return util::InvalidArgument("[" + path + "] is not a regular file");
  }
  return LocalFile{*real, static_cast<uint64_t>(st.st_size)};
}

util::Result<std::vector<LocalFile>> ExpandLocalGlob(std::string_view location,
                                                     const SourcesOptions& options) {
  std::string path(location);
  if (location.starts_with("file://")) path = PercentDecode(location.substr(7));
  size_t slash = path.rfind('/');
  if (path.empty() || path[0] != '/' || slash == std::string::npos) {
    return util::InvalidArgument("file location [" + path + "] must be an absolute path");
  }
  const std::string dir = slash == 0 ? "/" : path.substr(0, slash);
  const std::string pattern = path.substr(slash + 1);
  if (dir.find('*') != std::string::npos) {
    return util::InvalidArgument("only the file name of [" + path + "] may contain '*'");
  }
  if (!options.allow_any_file) {
    int err = 0;
    std::optional<std::string> real_dir = RealPath(dir, &err);
    if (!real_dir || !UnderAnyRoot(*real_dir, options)) return NotUnderRoot(path);
  }
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (GlobMatch(pattern, name)) names.push_back(std::move(name));
  }
  if (ec) return util::IoError("cannot list [" + dir + "]: " + ec.message());
  std::sort(names.begin(), names.end());
  std::vector<LocalFile> files;
  for (const std::string& name : names) {
    std::string candidate = (dir == "/" ? "" : dir) + "/" + name;
    util::Result<LocalFile> file = ResolveLocalFile(candidate, options);
    if (file.ok()) {
      files.push_back(std::move(*file));
    } else if (file.status().code() != util::Code::kInvalidArgument) {
      return file.status();  // directories are skipped; anything else is an error
    }
  }
  if (files.empty()) {
    return util::NotFound("resource_not_found_exception", "no files match [" + path + "]");
  }
  return files;
}

util::Result<std::unique_ptr<FileSource>> FileSource::Open(const std::string& path,
                                                           uint64_t offset) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) {
      return util::NotFound("resource_not_found_exception", "no such file [" + path + "]");
    }
    return util::IoError("cannot open [" + path + "]: " + ErrnoText(err));
  }
  if (offset > 0 && lseek(fd, static_cast<off_t>(offset), SEEK_SET) < 0) {
    int err = errno;
    ::close(fd);
    return util::IoError("cannot seek [" + path + "]: " + ErrnoText(err));
  }
  return std::unique_ptr<FileSource>(new FileSource(fd, path, offset));
}

FileSource::~FileSource() { ::close(fd_); }

util::Result<size_t> FileSource::Read(char* buf, size_t size) {
  while (true) {
    ssize_t n = ::read(fd_, buf, size);
    if (n >= 0) {
      position_ += static_cast<uint64_t>(n);
      return static_cast<size_t>(n);
    }
    if (errno != EINTR) return util::IoError("cannot read [" + path_ + "]: " + ErrnoText(errno));
  }
}

}  // namespace sluice::sources
