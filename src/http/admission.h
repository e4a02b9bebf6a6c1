// Admission control for the HTTP server: the in-flight request bytes budget
// and the Statuses of the two load-shedding refusals, both 429 and both
// retryable by clients, in OpenSearch's terms:
//   - circuit_breaking_exception from the [in_flight_requests] breaker when
//     the bodies being read or handled would exceed the budget;
//   - rejected_execution_exception when a worker pool's queue is full.
// The server hands these Statuses to ServerOptions::error_response, which
// api/ renders (http/ itself never builds OpenSearch's structured errors).
//
// Thread-safety: InFlightBytes is lock-free and safe from any thread; a
// Reservation is a move-only value owned by one connection.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.h"

namespace sluice::http {

class InFlightBytes {
 public:
  // limit 0 = unlimited.
  explicit InFlightBytes(uint64_t limit) : limit_(limit) {}

  // Bytes reserved by one request, returned when it is destroyed or reset.
  class Reservation {
   public:
    Reservation() = default;
    ~Reservation() { Reset(); }
    Reservation(Reservation&& o) noexcept : owner_(o.owner_), bytes_(o.bytes_) {
      o.owner_ = nullptr;
      o.bytes_ = 0;
    }
    Reservation& operator=(Reservation&& o) noexcept;
    Reservation(const Reservation&) = delete;
    Reservation& operator=(const Reservation&) = delete;

    uint64_t bytes() const { return bytes_; }
    void Reset();

   private:
    friend class InFlightBytes;
    InFlightBytes* owner_ = nullptr;
    uint64_t bytes_ = 0;
  };

  // Adds `bytes` to `reservation` when the total stays within the limit;
  // otherwise reserves nothing and returns the circuit_breaking_exception.
  util::Status Reserve(Reservation& reservation, uint64_t bytes);

  uint64_t used() const { return used_.load(std::memory_order_relaxed); }
  uint64_t limit() const { return limit_; }
  // What may still be reserved (UINT64_MAX when unlimited).
  uint64_t available() const;

 private:
  const uint64_t limit_;
  std::atomic<uint64_t> used_{0};
};

// OpenSearch's ByteSizeValue rendering: "0b", "512b", "1.5kb", "90mb", "2gb"
// (one decimal, truncated, dropped when zero).
std::string FormatByteSize(uint64_t bytes);

// 429 circuit_breaking_exception "[in_flight_requests] Data too large, data for
// [<http_request>] would be [..], which is larger than the limit of [..]" with
// bytes_wanted, bytes_limit and durability TRANSIENT.
util::Status InFlightBreakerTripped(uint64_t bytes_wanted, uint64_t bytes_limit);

// 429 rejected_execution_exception for `what` refused by a pool.
util::Status ExecutionRejected(std::string_view what, std::string_view pool, size_t queue_size,
                               size_t threads, size_t active, size_t queued, uint64_t completed);

// Physical memory of the machine in bytes (0 when unknown).
uint64_t PhysicalMemoryBytes();

}  // namespace sluice::http
