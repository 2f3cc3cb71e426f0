// ByteBudget: a cap on bytes held at once by many holders, with leases.
//
// The daemon holds request bodies and rendered replies for as long as a
// client takes to send or read them; with many connections, each bounded
// alone, the sum is not. A holder takes a lease for what it is about to
// hold and gives it back (by destroying the lease) when done; a request
// that does not fit is refused at once (503 with Retry-After) rather than
// queued, so a slow client cannot make others wait on memory it holds.
// One item is always let through when nothing else is held, so a budget
// smaller than a single large reply degrades to one at a time instead of
// refusing it forever.
//
// Single-threaded (the io thread); leases may outlive the budget object.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

namespace stockade::supervisor {

class ByteBudget {
  struct State {
    std::uint64_t limit;
    std::uint64_t in_use = 0;
    std::uint64_t peak = 0;
  };

 public:
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& other) noexcept : state_(std::move(other.state_)), bytes_(other.bytes_) {
      other.bytes_ = 0;
    }
    Lease& operator=(Lease&& other) noexcept {
      if (this != &other) {
        Release();
        state_ = std::move(other.state_);
        bytes_ = other.bytes_;
        other.bytes_ = 0;
      }
      return *this;
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { Release(); }

    explicit operator bool() const { return state_ != nullptr; }
    std::uint64_t bytes() const { return bytes_; }
    // What is held turned out to be `bytes` (a reply rendered from an
    // estimate): accounted as it is, even past the limit.
    void Resize(std::uint64_t bytes) {
      if (!state_) return;
      state_->in_use = state_->in_use - bytes_ + bytes;
      if (state_->in_use > state_->peak) state_->peak = state_->in_use;
      bytes_ = bytes;
    }
    // Resize to `bytes` if that fits beside what others hold (or nothing
    // else is held); false, and unchanged, otherwise.
    bool TryResize(std::uint64_t bytes) {
      if (!state_) return false;
      const std::uint64_t others = state_->in_use - bytes_;
      if (others > 0 && (bytes > state_->limit || others > state_->limit - bytes)) return false;
      Resize(bytes);
      return true;
    }
    void Release() {
      if (state_) state_->in_use -= bytes_;
      state_.reset();
      bytes_ = 0;
    }

   private:
    friend class ByteBudget;
    Lease(std::shared_ptr<State> state, std::uint64_t bytes) : state_(std::move(state)), bytes_(bytes) {}
    std::shared_ptr<State> state_;
    std::uint64_t bytes_ = 0;
  };

  explicit ByteBudget(std::uint64_t limit) : state_(std::make_shared<State>(State{limit})) {}

  // A lease for `bytes`, or nullopt when they do not fit beside what is held.
  std::optional<Lease> TryTake(std::uint64_t bytes) {
    State& s = *state_;
    if (s.in_use > 0 && (bytes > s.limit || s.in_use > s.limit - bytes)) return std::nullopt;
    s.in_use += bytes;
    if (s.in_use > s.peak) s.peak = s.in_use;
    return Lease(state_, bytes);
  }

  std::uint64_t limit() const { return state_->limit; }
  std::uint64_t in_use() const { return state_->in_use; }
  std::uint64_t peak() const { return state_->peak; }

 private:
  std::shared_ptr<State> state_;
};

}  // namespace stockade::supervisor
