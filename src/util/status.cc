#include "util/status.h"

namespace sluice::util {

std::string_view CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kInvalidArgument: return "invalid_argument";
    case Code::kNotFound: return "not_found";
    case Code::kAlreadyExists: return "already_exists";
    case Code::kConflict: return "conflict";
    case Code::kForbidden: return "forbidden";
    case Code::kUnauthorized: return "unauthorized";
    case Code::kTooLarge: return "too_large";
    case Code::kTooManyRequests: return "too_many_requests";
    case Code::kUnavailable: return "unavailable";
    case Code::kCancelled: return "cancelled";
    case Code::kTimeout: return "timeout";
    case Code::kIoError: return "io_error";
    case Code::kInternal: return "internal";
  }
  return "unknown";
}

Status::Status(Code code, std::string type, std::string reason, Metadata metadata)
    : code_(code),
      type_(std::move(type)),
      reason_(std::move(reason)),
      metadata_(std::move(metadata)) {}

Status& Status::WithMetadata(std::string key, std::string value) & {
  metadata_.emplace_back(std::move(key), std::move(value));
  return *this;
}
Status&& Status::WithMetadata(std::string key, std::string value) && {
  return std::move(WithMetadata(std::move(key), std::move(value)));
}
Status& Status::WithCause(Status cause) & {
  cause_ = std::make_shared<const Status>(std::move(cause));
  return *this;
}
Status&& Status::WithCause(Status cause) && { return std::move(WithCause(std::move(cause))); }

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out = type_ + ": " + reason_;
  for (const Status* c = cause(); c != nullptr; c = c->cause()) {
    out += " (caused by " + c->type_ + ": " + c->reason_ + ")";
  }
  return out;
}

Status InvalidArgument(std::string reason) {
  return Status(Code::kInvalidArgument, "illegal_argument_exception", std::move(reason));
}
Status ParsingError(std::string reason) {
  return Status(Code::kInvalidArgument, "parsing_exception", std::move(reason));
}
Status ParseError(std::string reason) {
  return Status(Code::kInvalidArgument, "parse_exception", std::move(reason));
}
Status MapperParsingError(std::string reason) {
  return Status(Code::kInvalidArgument, "mapper_parsing_exception", std::move(reason));
}
Status NotFound(std::string type, std::string reason) {
  return Status(Code::kNotFound, std::move(type), std::move(reason));
}
Status Forbidden(std::string reason) {
  return Status(Code::kForbidden, "security_exception", std::move(reason));
}
Status IoError(std::string reason) {
  return Status(Code::kIoError, "io_exception", std::move(reason));
}
Status Internal(std::string reason) {
  return Status(Code::kInternal, "exception", std::move(reason));
}
Status Unavailable(std::string reason) {
  return Status(Code::kUnavailable, "unavailable_exception", std::move(reason));
}
Status Cancelled(std::string reason) {
  return Status(Code::kCancelled, "task_cancelled_exception", std::move(reason));
}

}  // namespace sluice::util
