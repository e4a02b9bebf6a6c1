#include "http/admission.h"

#include <unistd.h>

#include <cstdio>
#include <limits>

namespace sluice::http {

InFlightBytes::Reservation& InFlightBytes::Reservation::operator=(Reservation&& o) noexcept {
  if (this != &o) {
    Reset();
    owner_ = o.owner_;
    bytes_ = o.bytes_;
    o.owner_ = nullptr;
    o.bytes_ = 0;
  }
  return *this;
}

void InFlightBytes::Reservation::Reset() {
  if (owner_ != nullptr && bytes_ > 0) owner_->used_.fetch_sub(bytes_, std::memory_order_relaxed);
  owner_ = nullptr;
  bytes_ = 0;
}

util::Status InFlightBytes::Reserve(Reservation& reservation, uint64_t bytes) {
  if (reservation.owner_ != nullptr && reservation.owner_ != this) reservation.Reset();
  uint64_t used = used_.load(std::memory_order_relaxed);
  while (true) {
    uint64_t wanted = used + bytes;
    if (limit_ != 0 && wanted > limit_) return InFlightBreakerTripped(wanted, limit_);
    if (used_.compare_exchange_weak(used, wanted, std::memory_order_relaxed)) break;
  }
  reservation.owner_ = this;
  reservation.bytes_ += bytes;
  return util::Status::Ok();
}

uint64_t InFlightBytes::available() const {
  if (limit_ == 0) return std::numeric_limits<uint64_t>::max();
  uint64_t used = this->used();
  return used >= limit_ ? 0 : limit_ - used;
}

std::string FormatByteSize(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"b", "kb", "mb", "gb", "tb", "pb"};
  int unit = 0;
  double value = static_cast<double>(bytes);
  while (unit < 5 && value >= 1024.0) {
    value /= 1024.0;
    ++unit;
  }
  if (unit == 0) return std::to_string(bytes) + "b";
  // Truncated to one decimal like OpenSearch's Strings.format1Decimals.
  uint64_t tenths = static_cast<uint64_t>(value * 10.0);
  std::string out = std::to_string(tenths / 10);
  if (tenths % 10 != 0) out += "." + std::to_string(tenths % 10);
  return out + kUnits[unit];
}

util::Status InFlightBreakerTripped(uint64_t bytes_wanted, uint64_t bytes_limit) {
  std::string reason = "[in_flight_requests] Data too large, data for [<http_request>] would be [" +
                       std::to_string(bytes_wanted) + "/" + FormatByteSize(bytes_wanted) +
                       "], which is larger than the limit of [" + std::to_string(bytes_limit) +
                       "/" + FormatByteSize(bytes_limit) + "]";
  return util::Status(util::Code::kTooManyRequests, "circuit_breaking_exception", std::move(reason),
                      {{"bytes_wanted", std::to_string(bytes_wanted)},
                       {"bytes_limit", std::to_string(bytes_limit)},
                       {"durability", "TRANSIENT"}});
}

util::Status ExecutionRejected(std::string_view what, std::string_view pool, size_t queue_size,
                               size_t threads, size_t active, size_t queued, uint64_t completed) {
  std::string reason = "rejected execution of " + std::string(what) +
                       " on OpenSearchThreadPoolExecutor[name = sluice/" + std::string(pool) +
                       ", queue capacity = " + std::to_string(queue_size) +
                       ", [Running, pool size = " + std::to_string(threads) +
                       ", active threads = " + std::to_string(active) +
                       ", queued tasks = " + std::to_string(queued) +
                       ", completed tasks = " + std::to_string(completed) + "]]";
  return util::Status(util::Code::kTooManyRequests, "rejected_execution_exception",
                      std::move(reason));
}

uint64_t PhysicalMemoryBytes() {
  long pages = sysconf(_SC_PHYS_PAGES);
  long page_size = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return 0;
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size);
}

}  // namespace sluice::http
