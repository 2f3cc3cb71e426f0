#include "supervisor/daemon/connection_table.h"

namespace stockade::supervisor {

struct ConnectionTable::Conn {
  std::function<void()> close;
  bool spoke = false;   // has sent at least one byte
  bool quiet = true;    // in one of the quiet lists
  bool shed = false;    // closed by the table; no longer counted
  std::list<Conn*>::iterator pos;
};

struct ConnectionTable::State {
  std::size_t cap;
  std::size_t open = 0;
  std::uint64_t shed = 0;
  std::uint64_t refused = 0;
  std::list<Conn*> never_spoke;  // oldest first
  std::list<Conn*> idle;         // longest idle first

  void Unlink(Conn& c) {
    if (!c.quiet) return;
    (c.spoke ? idle : never_spoke).erase(c.pos);
    c.quiet = false;
  }
  bool ShedOne() {
    std::list<Conn*>& from = !never_spoke.empty() ? never_spoke : idle;
    if (from.empty()) return false;
    Conn& victim = *from.front();
    Unlink(victim);
    victim.shed = true;
    --open;
    ++shed;
    // Last: closing completes the victim's pending read with an error,
    // which runs later on this thread and ends its coroutine.
    if (victim.close) victim.close();
    return true;
  }
};

ConnectionTable::Slot::Slot(std::shared_ptr<State> state, std::unique_ptr<Conn> conn)
    : state_(std::move(state)), conn_(std::move(conn)) {}

ConnectionTable::Slot::Slot(Slot&&) noexcept = default;

ConnectionTable::Slot::~Slot() {
  if (!conn_) return;
  state_->Unlink(*conn_);
  if (!conn_->shed) --state_->open;
}

bool ConnectionTable::Slot::Busy() {
  if (!conn_ || conn_->shed) return false;
  state_->Unlink(*conn_);
  conn_->spoke = true;
  return true;
}

void ConnectionTable::Slot::Idle() {
  if (!conn_ || conn_->shed || conn_->quiet) return;
  conn_->spoke = true;
  conn_->quiet = true;
  conn_->pos = state_->idle.insert(state_->idle.end(), conn_.get());
}

ConnectionTable::ConnectionTable(std::size_t cap) : state_(std::make_shared<State>()) {
  state_->cap = cap;
}

std::optional<ConnectionTable::Slot> ConnectionTable::Admit(std::function<void()> close) {
  State& s = *state_;
  while (s.open >= s.cap) {
    if (!s.ShedOne()) {
      ++s.refused;
      return std::nullopt;
    }
  }
  auto conn = std::make_unique<Conn>();
  conn->close = std::move(close);
  conn->pos = s.never_spoke.insert(s.never_spoke.end(), conn.get());
  ++s.open;
  return Slot(state_, std::move(conn));
}

bool ConnectionTable::ShedOne() { return state_->ShedOne(); }
std::size_t ConnectionTable::cap() const { return state_->cap; }
std::size_t ConnectionTable::open() const { return state_->open; }
std::uint64_t ConnectionTable::shed() const { return state_->shed; }
std::uint64_t ConnectionTable::refused() const { return state_->refused; }

}  // namespace stockade::supervisor
