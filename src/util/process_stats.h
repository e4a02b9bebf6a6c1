// What the node APIs (_nodes/stats, _cluster/stats, _cat/nodes, _cat/allocation)
// report about this process, its machine and the filesystem of its data
// directory, read from Linux's /proc and statvfs at the moment of the call.
//
// Every reader is best-effort: a figure that cannot be read is left at its
// "unknown" value (-1 for counts and sizes, an empty load) rather than failing,
// because a node API must still answer on a system with a restricted /proc.
// Thread-safety: the functions keep no state and may be called from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

namespace sluice::util {

struct ProcessStats {
  int64_t resident_bytes = -1;     // VmRSS
  int64_t virtual_bytes = -1;      // VmSize
  int64_t cpu_time_ms = -1;        // user + system CPU time of all threads
  int64_t threads = -1;            // Threads
  int64_t open_descriptors = -1;   // entries of /proc/self/fd
  int64_t max_descriptors = -1;    // RLIMIT_NOFILE soft limit
  int64_t start_time_ms = -1;      // wall-clock start of the process (epoch ms)
};

struct SystemStats {
  int64_t memory_total_bytes = -1;      // MemTotal
  int64_t memory_available_bytes = -1;  // MemAvailable (what OpenSearch calls "free")
  int64_t cpus = -1;                    // online processors
  // 1, 5 and 15 minute load averages; nullopt when /proc/loadavg is unreadable.
  std::optional<std::array<double, 3>> load_average;
};

struct FileSystemSpace {
  uint64_t total_bytes = 0;
  uint64_t free_bytes = 0;       // free blocks, including those reserved for root
  uint64_t available_bytes = 0;  // free for unprivileged writers
};

ProcessStats ReadProcessStats();
SystemStats ReadSystemStats();
// The filesystem holding `path`; nullopt when statvfs fails.
std::optional<FileSystemSpace> ReadFileSystemSpace(const std::string& path);

// Recent CPU use, as OpenSearch's process.cpu.percent and os.cpu.percent
// report it: the share of the whole machine (0..100) used by this process and
// by everything, between the previous Sample() (or construction) and now.
// Thread-safe; callers share one sampler so that each call sees the interval
// since the last caller's.
class CpuLoadSampler {
 public:
  struct Load {
    int process_percent = -1;  // -1 when unknown
    int system_percent = -1;
  };
  CpuLoadSampler();
  Load Sample();

  // Share of `cpus` processors used by `busy_ms` over `elapsed_ms`, in percent
  // rounded to the nearest integer and capped at 100; -1 when undefined.
  static int Percent(int64_t busy_ms, int64_t elapsed_ms, int64_t cpus);

 private:
  struct Reading {
    int64_t wall_ms = 0;
    int64_t process_cpu_ms = -1;
    int64_t system_busy_ticks = -1;
    int64_t system_total_ticks = -1;
  };
  static Reading Read();

  std::mutex mu_;
  Reading last_;  // guarded by mu_
};

}  // namespace sluice::util
