// memory_hog: allocates until the kernel stops it, for the cgroup OOM tests.
//
// 1 MiB at a time, every page written (through a volatile pointer, so no
// compiler can drop the stores) so that each one is really charged to the
// memory cgroup, whose OOM killer must end this process with SIGKILL. A
// small C++ program instead of an interpreter's one-liner: nothing to
// install, and the test never skips on a fresh machine. It fails loudly if
// it is not stopped: after argv[1] MiB (default 4096) it exits 3; a refused
// mapping (an rlimit, not the cgroup) exits 2.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>

int main(int argc, char** argv) {
  constexpr std::size_t kChunk = std::size_t{1} << 20;
  const long ceiling_mib = argc > 1 ? std::atol(argv[1]) : 4096;
  const long page = ::sysconf(_SC_PAGESIZE);
  for (long i = 0; i < ceiling_mib; ++i) {
    void* p = ::mmap(nullptr, kChunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return 2;
    volatile char* bytes = static_cast<char*>(p);
    for (std::size_t at = 0; at < kChunk; at += static_cast<std::size_t>(page)) bytes[at] = 'x';
  }
  return 3;
}
