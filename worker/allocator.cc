#include "worker/allocator.h"

#include <cstdlib>
#include <cstring>

namespace stockade::worker {
namespace {

// Keeps the payload aligned for any type Duktape stores (doubles, pointers).
constexpr std::size_t kHeader = alignof(std::max_align_t) > sizeof(std::size_t)
                                    ? alignof(std::max_align_t)
                                    : sizeof(std::size_t);

std::size_t& SizeOf(void* block) { return *static_cast<std::size_t*>(block); }
void* Payload(void* block) { return static_cast<char*>(block) + kHeader; }
void* Block(void* payload) { return static_cast<char*>(payload) - kHeader; }

}  // namespace

bool CappedAllocator::PastDeadline() {
  if (!in_run_ || deadline_ == nullptr) return false;
  if (hard_stop_) return true;
  // A vDSO clock read is ~20 ns; sampling keeps it off most allocations.
  if ((++allocations_ & 63) != 0 || deadline_->deadline_ns() == 0) return false;
  const std::int64_t now = MonotonicNowNs();
  if (now < deadline_->deadline_ns() + kNativeGraceNs) return false;
  deadline_->Check(now);
  hard_stop_ = true;
  return true;
}

bool CappedAllocator::Admit(std::size_t old_size, std::size_t new_size) {
  // Shrinking is always granted: Duktape shrinks tables during garbage
  // collection and does not expect that to fail.
  if (new_size <= old_size) return true;
  if (PastDeadline()) return false;
  if (cap_ != 0) {
    const std::uint64_t grow = new_size - old_size;
    if (live_ + grow > cap_ || new_size > SIZE_MAX - kHeader) {
      if (!tripped_) refused_request_ = new_size;
      tripped_ = true;
      return false;
    }
  }
  return true;
}

void* CappedAllocator::Allocate(std::size_t size) {
  if (!Admit(0, size)) return nullptr;
  void* block = std::malloc(kHeader + size);
  if (block == nullptr) {
    // The kernel/RLIMIT_AS said no before our cap did: same outcome.
    tripped_ = true;
    return nullptr;
  }
  SizeOf(block) = size;
  live_ += size;
  if (live_ > peak_) peak_ = live_;
  return Payload(block);
}

void* CappedAllocator::Reallocate(void* ptr, std::size_t size) {
  if (ptr == nullptr) return Allocate(size);
  if (size == 0) {
    // Duktape treats realloc(p, 0) as free; a null return is fine.
    Free(ptr);
    return nullptr;
  }
  void* block = Block(ptr);
  const std::size_t old = SizeOf(block);
  if (!Admit(old, size)) return nullptr;
  void* moved = std::realloc(block, kHeader + size);
  if (moved == nullptr) {
    tripped_ = true;
    return nullptr;  // the old block is still valid, as realloc promises
  }
  SizeOf(moved) = size;
  live_ = live_ - old + size;
  if (live_ > peak_) peak_ = live_;
  return Payload(moved);
}

void CappedAllocator::Free(void* ptr) {
  if (ptr == nullptr) return;
  void* block = Block(ptr);
  live_ -= SizeOf(block);
  std::free(block);
}

void CappedAllocator::BeginRun(std::uint64_t run_cap) {
  cap_ = (run_cap != 0 && (ceiling_ == 0 || run_cap < ceiling_)) ? run_cap : ceiling_;
  peak_ = live_;
  in_run_ = true;
  hard_stop_ = false;
  tripped_ = false;
  refused_request_ = 0;
}

}  // namespace stockade::worker
