// Status: the outcome of an operation that can fail, as a value.
//
// A Status is either OK or an error carrying
//   - a Code: the kind of failure, which api/ maps to an HTTP status (and
//     nothing else does: domain code never speaks HTTP);
//   - an OpenSearch error type such as "index_not_found_exception", so that
//     clients see the exception names they know;
//   - a human-readable reason;
//   - optional metadata (ordered key/value pairs such as "index": "foo") that
//     OpenSearch renders next to type and reason;
//   - an optional cause (rendered as "caused_by").
//
// Statuses are cheap to move and copyable. They are not thread-safe to mutate
// concurrently but may be read from several threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::util {

enum class Code {
  kOk = 0,
  kInvalidArgument,   // bad input: malformed request, validation failure
  kNotFound,          // a named resource does not exist
  kAlreadyExists,     // creating something that exists
  kConflict,          // version conflicts, concurrent modification
  kForbidden,         // input names something outside what is allowed
  kUnauthorized,      // credentials missing or rejected
  kTooLarge,          // a request or value over a configured limit
  kTooManyRequests,   // rejected for load; may be retried
  kUnavailable,       // a dependency (network, remote) failed; may be retried
  kCancelled,         // the operation was cancelled
  kTimeout,           // a deadline passed
  kIoError,           // local disk or OS failure
  kInternal,          // a bug or an unexpected library failure
};

// Returns a short, stable name for a code ("invalid_argument", ...), for logs.
std::string_view CodeName(Code code);

class Status {
 public:
  using Metadata = std::vector<std::pair<std::string, std::string>>;

  // OK.
  Status() = default;
  Status(Code code, std::string type, std::string reason, Metadata metadata = {});

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  // OpenSearch error type, e.g. "illegal_argument_exception". Empty when ok().
  const std::string& type() const { return type_; }
  const std::string& reason() const { return reason_; }
  const Metadata& metadata() const { return metadata_; }
  // The cause, or nullptr.
  const Status* cause() const { return cause_.get(); }

  // Builder-style helpers; return *this for chaining on temporaries.
  Status& WithMetadata(std::string key, std::string value) &;
  Status&& WithMetadata(std::string key, std::string value) &&;
  Status& WithCause(Status cause) &;
  Status&& WithCause(Status cause) &&;

  // "type: reason" (and the cause chain), for logs and test failure messages.
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string type_;
  std::string reason_;
  Metadata metadata_;
  std::shared_ptr<const Status> cause_;
};

// Constructors for the errors used throughout sluice. The OpenSearch type is
// given where several types share a code.
Status InvalidArgument(std::string reason);  // illegal_argument_exception
Status ParsingError(std::string reason);     // parsing_exception
Status ParseError(std::string reason);       // parse_exception
Status MapperParsingError(std::string reason);  // mapper_parsing_exception
Status NotFound(std::string type, std::string reason);
Status Forbidden(std::string reason);        // security_exception
Status IoError(std::string reason);          // io_exception
Status Internal(std::string reason);         // internal error (a bug)
Status Unavailable(std::string reason);      // remote/network failure
Status Cancelled(std::string reason);        // task_cancelled_exception

}  // namespace sluice::util

// Propagates a non-OK Status from an expression returning Status.
#define SLUICE_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::sluice::util::Status _sluice_status = (expr);  \
    if (!_sluice_status.ok()) return _sluice_status; \
  } while (0)
