// ByteBudget: a cap on bytes held at once by many holders, with leases, in
// all and per owner (API key).
//
// The daemon holds request bodies and rendered replies for as long as a
// client takes to send or read them; with many connections, each bounded
// alone, the sum is not. A holder takes a lease for what it is about to
// hold and gives it back (by destroying the lease) when done; a request
// that does not fit is refused at once (503 with Retry-After) rather than
// queued, so a slow client cannot make others wait on memory it holds. One
// owner may hold at most its share of the budget, so one key stalling many
// large bodies or reading large results slowly cannot lock every other key
// out. One item is always let through when nothing else is held (in all,
// or by that owner), so a budget smaller than a single large reply degrades
// to one at a time instead of refusing it forever.
//
// Single-threaded (the io thread); leases may outlive the budget object.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

namespace stockade::supervisor {

class ByteBudget {
  struct State {
    std::uint64_t limit;
    std::uint64_t owner_limit;
    std::uint64_t in_use = 0;
    std::uint64_t peak = 0;
    std::unordered_map<std::string, std::uint64_t> by_owner;

    // Whether `bytes` more fit beside `held` under `cap` (or nothing is held).
    static bool Fits(std::uint64_t held, std::uint64_t bytes, std::uint64_t cap) {
      return held == 0 || (bytes <= cap && held <= cap - bytes);
    }
    void Add(const std::string& owner, std::uint64_t bytes) {
      in_use += bytes;
      by_owner[owner] += bytes;
      if (in_use > peak) peak = in_use;
    }
    void Remove(const std::string& owner, std::uint64_t bytes) {
      in_use -= bytes;
      auto it = by_owner.find(owner);
      if (it != by_owner.end() && (it->second -= bytes) == 0) by_owner.erase(it);
    }
    std::uint64_t Held(const std::string& owner) const {
      auto it = by_owner.find(owner);
      return it == by_owner.end() ? 0 : it->second;
    }
  };

 public:
  // Bodies and replies up to this size take no lease: each connection holds
  // at most one of each, so the connection cap already bounds them, and
  // leasing every small request would only cost time.
  static constexpr std::uint64_t kSmallItemBytes = 64 * 1024;

  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& other) noexcept
        : state_(std::move(other.state_)), owner_(std::move(other.owner_)), bytes_(other.bytes_) {
      other.bytes_ = 0;
    }
    Lease& operator=(Lease&& other) noexcept {
      if (this != &other) {
        Release();
        state_ = std::move(other.state_);
        owner_ = std::move(other.owner_);
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
    // What is held turned out to be `bytes`: accounted as it is, even past
    // the limit.
    void Resize(std::uint64_t bytes) {
      if (!state_) return;
      state_->Remove(owner_, bytes_);
      state_->Add(owner_, bytes);
      bytes_ = bytes;
    }
    // Resize to `bytes` if that fits beside what others hold, in all and of
    // this owner (or nothing else is held); false, and unchanged, otherwise.
    bool TryResize(std::uint64_t bytes) {
      if (!state_) return false;
      if (!State::Fits(state_->in_use - bytes_, bytes, state_->limit) ||
          !State::Fits(state_->Held(owner_) - bytes_, bytes, state_->owner_limit)) {
        return false;
      }
      Resize(bytes);
      return true;
    }
    void Release() {
      if (state_) state_->Remove(owner_, bytes_);
      state_.reset();
      bytes_ = 0;
    }

   private:
    friend class ByteBudget;
    Lease(std::shared_ptr<State> state, std::string owner, std::uint64_t bytes)
        : state_(std::move(state)), owner_(std::move(owner)), bytes_(bytes) {}
    std::shared_ptr<State> state_;
    std::string owner_;
    std::uint64_t bytes_ = 0;
  };

  // `owner_limit`: what one owner may hold at most (the whole limit when 0).
  explicit ByteBudget(std::uint64_t limit, std::uint64_t owner_limit = 0)
      : state_(std::make_shared<State>(State{limit, owner_limit == 0 ? limit : owner_limit})) {}

  // A lease for `bytes` held by `owner`, or nullopt when they do not fit
  // beside what is held in all or by that owner.
  std::optional<Lease> TryTake(std::uint64_t bytes, const std::string& owner = "") {
    State& s = *state_;
    if (!State::Fits(s.in_use, bytes, s.limit) || !State::Fits(s.Held(owner), bytes, s.owner_limit)) {
      return std::nullopt;
    }
    s.Add(owner, bytes);
    return Lease(state_, owner, bytes);
  }

  std::uint64_t limit() const { return state_->limit; }
  std::uint64_t owner_limit() const { return state_->owner_limit; }
  std::uint64_t in_use() const { return state_->in_use; }
  std::uint64_t held_by(const std::string& owner) const { return state_->Held(owner); }
  std::uint64_t peak() const { return state_->peak; }

 private:
  std::shared_ptr<State> state_;
};

}  // namespace stockade::supervisor
