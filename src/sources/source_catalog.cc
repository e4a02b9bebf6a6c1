#include "sources/source_catalog.h"

#include <curl/curl.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <optional>

#include "sources/decompressing_source.h"
#include "sources/file_source.h"
#include "sources/http_client.h"
#include "sources/http_host_allowlist.h"
#include "sources/http_stream.h"
#include "sources/outgoing_url.h"
#include "sources/s3_source.h"

namespace sluice::sources {
namespace {

enum class SourceType { kFile, kS3, kOpenAi, kHttp };

constexpr char kOpenAiScheme[] = "openai://";
constexpr size_t kMaxMetadataBytes = 64 << 10;

util::Result<SourceType> ParseType(const std::string& type) {
  std::string lower = type;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "file") return SourceType::kFile;
  if (lower == "s3") return SourceType::kS3;
  if (lower == "openai") return SourceType::kOpenAi;
  if (lower == "http" || lower == "https") return SourceType::kHttp;
  return util::InvalidArgument("unknown data_source type [" + type +
                               "]; expected one of file, s3, openAI, http");
}

util::Status Unauthorized(std::string reason) {
  return util::Status(util::Code::kUnauthorized, "security_exception", std::move(reason));
}

util::Status ValidateOpenAiFileId(const std::string& id) {
  bool valid = !id.empty() && id.size() <= 128 &&
               std::all_of(id.begin(), id.end(),
                           [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_'; });
  if (valid) return util::Status::Ok();
  return util::InvalidArgument("[" + id + "] is not a valid OpenAI file id");
}

util::Status OpenAiError(long status, const std::string& id) {
  if (status == 401 || status == 403) {
    return Unauthorized("OpenAI rejected the API key (HTTP " + std::to_string(status) +
                        ") reading file [" + id + "]");
  }
  if (status == 404) {
    return util::NotFound("resource_not_found_exception", "OpenAI file [" + id + "] not found")
        .WithMetadata("file_id", id);
  }
  return util::InvalidArgument("OpenAI answered HTTP " + std::to_string(status) + " for file [" +
                               id + "]");
}

// {openai_base_url}/files/{id}[/content], built by the one URL builder.
util::Result<std::string> OpenAiFileUrl(const SourcesOptions& options, const std::string& id,
                                        bool content) {
  SLUICE_RETURN_IF_ERROR(ValidateOpenAiFileId(id));
  SLUICE_ASSIGN_OR_RETURN(ParsedUrl base, ParseHttpUrl(options.openai_base_url));
  OutgoingUrlSpec spec;
  spec.scheme = base.scheme;
  spec.host = base.host;
  spec.port = base.explicit_port ? base.port : 0;
  spec.base_path = base.path;
  spec.segments = {"files", id};
  if (content) spec.segments.push_back("content");
  SLUICE_ASSIGN_OR_RETURN(OutgoingUrl url, BuildOutgoingUrl(spec));
  return url.url;
}

// The size of an OpenAI file, for progress, from its metadata (GET
// {base}/files/{id} → "bytes"). Any answer but a 200 with "bytes" leaves the
// size unknown: the content request reports errors (401, 404, ...) as usual.
// A server that cannot be reached after the retries is an error.
util::Result<std::optional<uint64_t>> OpenAiFileSize(const std::string& id,
                                                     const Credential& credential,
                                                     const SourcesOptions& options,
                                                     const util::CancelSignal* cancel) {
  SLUICE_ASSIGN_OR_RETURN(std::string url, OpenAiFileUrl(options, id, /*content=*/false));
  RequestBuilder build = [&]() -> util::Result<HttpRequest> {
    return HttpRequest{url, {{"Authorization", "Bearer " + credential.openai_key.Reveal()}}};
  };
  SLUICE_ASSIGN_OR_RETURN(HttpResponse response,
                          HttpFetch(build, options, kOpenAiScheme + id, kMaxMetadataBytes, cancel));
  if (response.status != 200) return std::optional<uint64_t>();
  rapidjson::Document d;
  d.Parse(response.body.data(), response.body.size());
  if (response.truncated || d.HasParseError() || !d.IsObject()) return std::optional<uint64_t>();
  auto bytes = d.FindMember("bytes");
  if (bytes == d.MemberEnd() || !bytes->value.IsUint64()) return std::optional<uint64_t>();
  return std::optional<uint64_t>(bytes->value.GetUint64());
}

// The size of an http(s) object, for progress, from a one-byte ranged GET
// (Content-Range total, or Content-Length of a server that ignores Range).
// Redirects and error answers leave it unknown: the stream follows and reports
// them. A server that cannot be reached after the retries is an error.
util::Result<std::optional<uint64_t>> HttpObjectSize(const std::string& url,
                                                     const SourcesOptions& options,
                                                     const util::CancelSignal* cancel) {
  RequestBuilder build = [&]() -> util::Result<HttpRequest> {
    return HttpRequest{url, {{"Range", "bytes=0-0"}}};
  };
  SLUICE_ASSIGN_OR_RETURN(HttpResponse response,
                          HttpFetch(build, options, RedactUrl(url), kMaxMetadataBytes, cancel));
  std::string range = response.Header("content-range");
  size_t slash = range.find('/');
  if (response.status == 206 && slash != std::string::npos && slash + 1 < range.size() &&
      std::isdigit(static_cast<unsigned char>(range[slash + 1]))) {
    return std::optional<uint64_t>(std::strtoull(range.c_str() + slash + 1, nullptr, 10));
  }
  std::string length = response.Header("content-length");
  if (response.status == 200 && !length.empty() &&
      std::isdigit(static_cast<unsigned char>(length[0]))) {
    return std::optional<uint64_t>(std::strtoull(length.c_str(), nullptr, 10));
  }
  return std::optional<uint64_t>();
}

util::Result<std::unique_ptr<ByteSource>> OpenOpenAiFile(const std::string& id,
                                                         const Credential& credential,
                                                         const SourcesOptions& options,
                                                         uint64_t offset,
                                                         const util::CancelSignal* cancel) {
  SLUICE_ASSIGN_OR_RETURN(std::string content_url, OpenAiFileUrl(options, id, /*content=*/true));
  HttpStreamConfig config;
  config.build_request = [url = std::move(content_url),
                          key = credential.openai_key]() -> util::Result<HttpRequest> {
    return HttpRequest{url, {{"Authorization", "Bearer " + key.Reveal()}}};
  };
  config.map_error = [id](long status, const std::string&) { return OpenAiError(status, id); };
  config.display = kOpenAiScheme + id;
  config.cancel = cancel;
  SLUICE_ASSIGN_OR_RETURN(auto stream, HttpStream::Open(std::move(config), options, offset));
  return std::unique_ptr<ByteSource>(std::move(stream));
}

util::Result<std::unique_ptr<ByteSource>> OpenHttpUrl(const std::string& url,
                                                      const SourcesOptions& options,
                                                      uint64_t offset,
                                                      const util::CancelSignal* cancel) {
  SLUICE_RETURN_IF_ERROR(CheckHttpSourceUrl(url, options));
  const std::string display = RedactUrl(url);
  HttpStreamConfig config;
  config.build_request = [url]() -> util::Result<HttpRequest> { return HttpRequest{url, {}}; };
  config.check_redirect = [options](const std::string& target) {
    return CheckHttpSourceUrl(target, options);
  };
  config.map_error = [display](long status, const std::string&) -> util::Status {
    std::string reason = "[" + display + "] answered HTTP " + std::to_string(status);
    if (status == 404 || status == 410) {
      return util::NotFound("resource_not_found_exception", reason);
    }
    if (status == 401 || status == 403) return Unauthorized(reason);
    return util::InvalidArgument(reason);
  };
  config.display = display;
  config.cancel = cancel;
  SLUICE_ASSIGN_OR_RETURN(auto stream, HttpStream::Open(std::move(config), options, offset));
  return std::unique_ptr<ByteSource>(std::move(stream));
}

util::Status SkipDecompressed(ByteSource& source, uint64_t offset) {
  std::string scratch(64 << 10, '\0');
  uint64_t skipped = 0;
  while (skipped < offset) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(scratch.size(), offset - skipped));
    SLUICE_ASSIGN_OR_RETURN(size_t n, source.Read(scratch.data(), want));
    if (n == 0) {
      return util::InvalidArgument("resume offset " + std::to_string(offset) +
                                   " is past the end of the decompressed data (" +
                                   std::to_string(skipped) + " bytes)");
    }
    skipped += n;
  }
  return util::Status::Ok();
}

}  // namespace

SourceCatalog::SourceCatalog(SourcesOptions options) : options_(std::move(options)) {
  curl_global_init(CURL_GLOBAL_DEFAULT);  // reference-counted, thread-safe since 7.84
}

SourceCatalog::~SourceCatalog() { curl_global_cleanup(); }

util::Result<std::vector<std::vector<SourceObject>>> SourceCatalog::List(
    const DataSource& source) const {
  SLUICE_ASSIGN_OR_RETURN(SourceType type, ParseType(source.type));
  if (type == SourceType::kOpenAi && !source.locations.empty() &&
      source.credential.openai_key.empty()) {
    return Unauthorized("data_source type openAI needs credential.openAI_key");
  }
  std::vector<std::vector<SourceObject>> slots;
  for (size_t slot = 0; slot < source.locations.size(); ++slot) {
    const std::string& location = source.locations[slot];
    std::vector<SourceObject> objects;
    switch (type) {
      case SourceType::kFile:
        if (location.find('*') != std::string::npos) {
          SLUICE_ASSIGN_OR_RETURN(auto files, ExpandLocalGlob(location, options_));
          for (auto& file : files) objects.push_back({std::move(file.path), file.size, slot});
        } else {
          SLUICE_ASSIGN_OR_RETURN(LocalFile file, ResolveLocalFile(location, options_));
          objects.push_back({std::move(file.path), file.size, slot});
        }
        break;
      case SourceType::kS3: {
        S3Client client(options_, source.credential, source.cancel);
        SLUICE_ASSIGN_OR_RETURN(objects, client.List(location, slot));
        break;
      }
      case SourceType::kOpenAi: {
        SLUICE_RETURN_IF_ERROR(ValidateOpenAiFileId(location));
        SLUICE_ASSIGN_OR_RETURN(
            auto size, OpenAiFileSize(location, source.credential, options_, source.cancel));
        objects.push_back({kOpenAiScheme + location, size, slot});
        break;
      }
      case SourceType::kHttp: {
        SLUICE_RETURN_IF_ERROR(CheckHttpSourceUrl(location, options_));
        SLUICE_ASSIGN_OR_RETURN(auto size, HttpObjectSize(location, options_, source.cancel));
        objects.push_back({RedactUrl(location), size, slot});
        break;
      }
    }
    slots.push_back(std::move(objects));
  }
  return slots;
}

util::Result<std::unique_ptr<ByteSource>> SourceCatalog::OpenRaw(const DataSource& source,
                                                                 const SourceObject& object,
                                                                 uint64_t raw_offset) const {
  SLUICE_ASSIGN_OR_RETURN(SourceType type, ParseType(source.type));
  switch (type) {
    case SourceType::kFile: {
      // Re-checked at open time: the tree may have changed since List().
      SLUICE_ASSIGN_OR_RETURN(LocalFile file, ResolveLocalFile(object.location, options_));
      SLUICE_ASSIGN_OR_RETURN(auto stream, FileSource::Open(file.path, raw_offset));
      return std::unique_ptr<ByteSource>(std::move(stream));
    }
    case SourceType::kS3: {
      SLUICE_ASSIGN_OR_RETURN(S3Uri uri, ParseS3Uri(object.location));
      return S3Client(options_, source.credential, source.cancel).Open(uri, raw_offset);
    }
    case SourceType::kOpenAi: {
      if (!object.location.starts_with(kOpenAiScheme)) {
        return util::InvalidArgument("[" + object.location + "] is not an OpenAI file location");
      }
      return OpenOpenAiFile(object.location.substr(sizeof(kOpenAiScheme) - 1), source.credential,
                            options_, raw_offset, source.cancel);
    }
    case SourceType::kHttp:
      if (object.slot >= source.locations.size()) {
        return util::InvalidArgument("source object slot " + std::to_string(object.slot) +
                                     " is out of range");
      }
      return OpenHttpUrl(source.locations[object.slot], options_, raw_offset, source.cancel);
  }
  return util::Internal("unhandled data_source type");
}

util::Result<std::unique_ptr<ByteSource>> SourceCatalog::Open(const DataSource& source,
                                                              const SourceObject& object,
                                                              uint64_t offset) const {
  SLUICE_ASSIGN_OR_RETURN(auto raw, OpenRaw(source, object, 0));
  SLUICE_ASSIGN_OR_RETURN(
      auto decoded, DecompressingSource::Create(std::move(raw), options_.decompress_buffer_size));
  if (offset == 0) return std::unique_ptr<ByteSource>(std::move(decoded));
  if (decoded->compression() != Compression::kNone) {
    SLUICE_RETURN_IF_ERROR(SkipDecompressed(*decoded, offset));
    return std::unique_ptr<ByteSource>(std::move(decoded));
  }
  // Plain data: decompressed offset == raw offset, so seek / ask for a range.
  decoded.reset();
  SLUICE_ASSIGN_OR_RETURN(auto resumed, OpenRaw(source, object, offset));
  SLUICE_ASSIGN_OR_RETURN(
      auto plain, DecompressingSource::Create(std::move(resumed), options_.decompress_buffer_size,
                                              /*detect=*/false));
  return std::unique_ptr<ByteSource>(std::move(plain));
}

}  // namespace sluice::sources
