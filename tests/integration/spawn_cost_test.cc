// What a spawn costs: the vfork-style clone must stay O(1) in the size of the
// supervisor. Prints the medians; fails only on a gross regression so that a
// loaded CI machine does not turn it red.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <iostream>
#include <vector>

#include <gtest/gtest.h>

#include "supervisor/spawn.h"

namespace stockade::supervisor {
namespace {

using Clock = std::chrono::steady_clock;

// Medians, not means: the machine running the tests is usually busy with
// other work, and one descheduled spawn should not decide the figure.
struct Costs {
  double to_exec_us = 0;  // Spawn() returned: execve has succeeded
  double to_exit_us = 0;  // the child has also run and been reaped
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

Costs Measure(int rounds) {
  int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  SpawnSpec spec;
  spec.executable = "/bin/true";
  spec.stdin_fd = devnull;
  spec.stdout_fd = devnull;
  spec.rlimits.open_files = 16;
  std::vector<double> to_exec, to_exit;
  using us = std::chrono::duration<double, std::micro>;
  for (int i = 0; i < rounds; ++i) {
    auto t0 = Clock::now();
    StatusOr<ChildProcess> child = Spawn(spec);
    auto t1 = Clock::now();
    EXPECT_TRUE(child.ok()) << child.status().message();
    if (!child.ok()) break;
    EXPECT_TRUE(child->Reap().ok());
    auto t2 = Clock::now();
    to_exec.push_back(us(t1 - t0).count());
    to_exit.push_back(us(t2 - t0).count());
  }
  ::close(devnull);
  return {Median(to_exec), Median(to_exit)};
}

TEST(spawn_cost, small_binary) {
  Measure(20);  // warm the page cache
  Costs a = Measure(200);
  std::cout << "spawn /bin/true: " << a.to_exec_us << " us to exec, " << a.to_exit_us
            << " us to exit (median of 200)\n";
  RecordProperty("to_exec_us", static_cast<int>(a.to_exec_us));
  RecordProperty("to_exit_us", static_cast<int>(a.to_exit_us));
  EXPECT_LT(a.to_exec_us, 5000.0);
}

TEST(spawn_cost, independent_of_supervisor_size) {
  // Touch 512 MiB: fork() would now copy ~128k page-table entries per spawn.
  const size_t kBytes = size_t{512} << 20;
  void* big = ::mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(big, MAP_FAILED);
  std::memset(big, 1, kBytes);
  Costs small = Measure(100);
  std::cout << "spawn /bin/true with 512 MiB resident: " << small.to_exec_us << " us to exec\n";
  ::munmap(big, kBytes);
  EXPECT_LT(small.to_exec_us, 5000.0);
}

}  // namespace
}  // namespace stockade::supervisor
