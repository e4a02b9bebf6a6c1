#include "util/process_stats.h"

#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sluice::util {
namespace {

// "VmRSS:	  12345 kB" → 12345 * 1024; -1 when the key is absent.
int64_t StatusKiB(const std::string& status, const char* key) {
  size_t at = status.find(key);
  if (at == std::string::npos) return -1;
  return std::strtoll(status.c_str() + at + std::strlen(key), nullptr, 10) * 1024;
}

int64_t StatusCount(const std::string& status, const char* key) {
  size_t at = status.find(key);
  if (at == std::string::npos) return -1;
  return std::strtoll(status.c_str() + at + std::strlen(key), nullptr, 10);
}

std::string ReadWhole(const char* path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

ProcessStats ReadProcessStats() {
  ProcessStats out;
  std::string status = ReadWhole("/proc/self/status");
  out.resident_bytes = StatusKiB(status, "VmRSS:");
  out.virtual_bytes = StatusKiB(status, "VmSize:");
  out.threads = StatusCount(status, "Threads:");
  struct rusage usage {};
  if (::getrusage(RUSAGE_SELF, &usage) == 0) {
    out.cpu_time_ms = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000 +
                      (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000;
  }
  std::error_code ec;
  int64_t fds = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++fds;
  }
  if (!ec) out.open_descriptors = fds;
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    out.max_descriptors = static_cast<int64_t>(limit.rlim_cur);
  }
  // Field 22 of /proc/self/stat is the start time in clock ticks after boot;
  // the command (field 2) may hold spaces, so count from its closing ')'.
  std::string stat = ReadWhole("/proc/self/stat");
  std::string uptime = ReadWhole("/proc/uptime");
  size_t close = stat.rfind(')');
  long ticks = ::sysconf(_SC_CLK_TCK);
  if (close != std::string::npos && !uptime.empty() && ticks > 0) {
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    for (int i = 3; i <= 22 && fields >> field; ++i) {
      if (i != 22) continue;
      double started_after_boot_s = std::strtod(field.c_str(), nullptr) / static_cast<double>(ticks);
      double up_s = std::strtod(uptime.c_str(), nullptr);
      int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
      out.start_time_ms = now_ms - static_cast<int64_t>((up_s - started_after_boot_s) * 1000.0);
    }
  }
  return out;
}

SystemStats ReadSystemStats() {
  SystemStats out;
  std::string meminfo = ReadWhole("/proc/meminfo");
  out.memory_total_bytes = StatusKiB(meminfo, "MemTotal:");
  out.memory_available_bytes = StatusKiB(meminfo, "MemAvailable:");
  long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  if (cpus > 0) out.cpus = cpus;
  std::array<double, 3> load{};
  if (std::FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) == 3) out.load_average = load;
    std::fclose(f);
  }
  return out;
}

std::optional<FileSystemSpace> ReadFileSystemSpace(const std::string& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0) return std::nullopt;
  return FileSystemSpace{static_cast<uint64_t>(st.f_blocks) * st.f_frsize,
                         static_cast<uint64_t>(st.f_bfree) * st.f_frsize,
                         static_cast<uint64_t>(st.f_bavail) * st.f_frsize};
}

int CpuLoadSampler::Percent(int64_t busy_ms, int64_t elapsed_ms, int64_t cpus) {
  if (busy_ms < 0 || elapsed_ms <= 0 || cpus <= 0) return -1;
  double share = static_cast<double>(busy_ms) /
                 (static_cast<double>(elapsed_ms) * static_cast<double>(cpus));
  int percent = static_cast<int>(share * 100.0 + 0.5);
  return percent > 100 ? 100 : percent;
}

CpuLoadSampler::Reading CpuLoadSampler::Read() {
  Reading r;
  r.wall_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now().time_since_epoch())
                  .count();
  r.process_cpu_ms = ReadProcessStats().cpu_time_ms;
  // "cpu  user nice system idle iowait irq softirq steal ...": idle + iowait are not busy.
  if (std::FILE* f = std::fopen("/proc/stat", "r")) {
    long long v[8] = {0};
    if (std::fscanf(f, "cpu %lld %lld %lld %lld %lld %lld %lld %lld", &v[0], &v[1], &v[2], &v[3],
                    &v[4], &v[5], &v[6], &v[7]) == 8) {
      int64_t total = 0;
      for (long long x : v) total += x;
      r.system_total_ticks = total;
      r.system_busy_ticks = total - v[3] - v[4];
    }
    std::fclose(f);
  }
  return r;
}

CpuLoadSampler::CpuLoadSampler() : last_(Read()) {}

CpuLoadSampler::Load CpuLoadSampler::Sample() {
  Reading now = Read();
  Reading before;
  {
    std::lock_guard<std::mutex> lock(mu_);
    before = last_;
    last_ = now;
  }
  Load load;
  if (before.process_cpu_ms >= 0 && now.process_cpu_ms >= before.process_cpu_ms) {
    load.process_percent = Percent(now.process_cpu_ms - before.process_cpu_ms,
                                   now.wall_ms - before.wall_ms, ReadSystemStats().cpus);
  }
  int64_t total = now.system_total_ticks - before.system_total_ticks;
  if (before.system_total_ticks >= 0 && total > 0) {
    int64_t busy = now.system_busy_ticks - before.system_busy_ticks;
    load.system_percent = Percent(busy, total, 1);
  }
  return load;
}

}  // namespace sluice::util
