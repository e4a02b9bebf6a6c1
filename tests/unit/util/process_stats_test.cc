// util/process_stats: figures of this process, its machine and a filesystem.
#include "util/process_stats.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(ProcessStatsTest, ReadsThisProcessAndMachine) {
  util::ProcessStats p = util::ReadProcessStats();
  EXPECT_GT(p.resident_bytes, 0);
  EXPECT_GE(p.virtual_bytes, p.resident_bytes);
  EXPECT_GT(p.threads, 0);
  EXPECT_GT(p.open_descriptors, 0);
  EXPECT_GE(p.cpu_time_ms, 0);
  EXPECT_GT(p.start_time_ms, 1600000000000);
  util::SystemStats s = util::ReadSystemStats();
  EXPECT_GT(s.memory_total_bytes, 0);
  EXPECT_LE(s.memory_available_bytes, s.memory_total_bytes);
  EXPECT_GT(s.cpus, 0);
  EXPECT_TRUE(s.load_average.has_value());
  auto fs = util::ReadFileSystemSpace(".");
  ASSERT_TRUE(fs.has_value());
  EXPECT_GE(fs->total_bytes, fs->free_bytes);
  EXPECT_GE(fs->free_bytes, fs->available_bytes);
  EXPECT_FALSE(util::ReadFileSystemSpace("/no/such/dir").has_value());
}

TEST(ProcessStatsTest, CpuPercentIsAShareOfTheMachine) {
  EXPECT_EQ(util::CpuLoadSampler::Percent(500, 1000, 2), 25);
  EXPECT_EQ(util::CpuLoadSampler::Percent(5000, 1000, 2), 100);
  EXPECT_EQ(util::CpuLoadSampler::Percent(0, 0, 2), -1);
  util::CpuLoadSampler sampler;
  util::CpuLoadSampler::Load load = sampler.Sample();
  EXPECT_GE(load.process_percent, -1);
  EXPECT_LE(load.process_percent, 100);
}

}  // namespace
}  // namespace sluice
