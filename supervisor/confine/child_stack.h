// ChildStack: the stack of a clone(CLONE_VM) child, which runs on memory it
// shares with the supervisor (spawn.h explains why spawning works so).
//
// The child needs only a few frames of raw syscalls; the guard page below
// the stack turns an overflow into a crash of the child instead of silent
// corruption of the supervisor's heap. Used by Spawn and by the namespace
// probes (spawn_namespaces.h); nothing else should clone this way.
#pragma once

#include <sys/mman.h>

#include <cstddef>

namespace stockade::supervisor {

class ChildStack {
 public:
  static constexpr std::size_t kGuardBytes = 4096;
  static constexpr std::size_t kStackBytes = 64 * 1024;

  ChildStack() {
    void* p = ::mmap(nullptr, kGuardBytes + kStackBytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (p == MAP_FAILED) return;
    base_ = static_cast<char*>(p);
    ::mprotect(base_, kGuardBytes, PROT_NONE);
  }
  ~ChildStack() {
    if (base_) ::munmap(base_, kGuardBytes + kStackBytes);
  }
  ChildStack(const ChildStack&) = delete;
  ChildStack& operator=(const ChildStack&) = delete;

  explicit operator bool() const { return base_ != nullptr; }
  void* top() const { return base_ + kGuardBytes + kStackBytes; }  // stacks grow down, for clone(2)
  // The lowest usable address (above the guard page) and the size: what
  // clone3(2) takes instead of the top.
  void* base() const { return base_ + kGuardBytes; }
  static constexpr std::size_t size() { return kStackBytes; }

 private:
  char* base_ = nullptr;
};

}  // namespace stockade::supervisor
