// ConnectionTable: the daemon's open client connections, capped, and which
// to close when the cap is reached.
//
// Every connection costs a file descriptor, and descriptors are shared with
// the workers' pipes, pidfds and cgroup files: a client that opens
// connections and never speaks must not be able to take them all. Each
// connection holds a Slot while it is open and says when it is quiet
// (waiting for the first byte of a request) and when it is busy. At the cap,
// a new connection takes the place of the quietest one: the one that has
// waited longest without ever sending a byte, else the keep-alive connection
// idle longest (nginx and HAProxy shed the same way); a busy one is never
// cut. With nothing quiet to close, the new connection is refused.
//
// Single-threaded (the io thread). Slots may outlive the table.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <optional>

namespace stockade::supervisor {

class ConnectionTable {
  struct Conn;
  struct State;

 public:
  class Slot {
   public:
    Slot(Slot&&) noexcept;
    Slot& operator=(Slot&&) = delete;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot();

    // A request is being read, handled or answered: never shed. False when
    // the connection was shed before it got here (it must end).
    bool Busy();
    // Waiting for the next request on a kept-alive connection: may be shed.
    void Idle();

   private:
    friend class ConnectionTable;
    Slot(std::shared_ptr<State> state, std::unique_ptr<Conn> conn);
    std::shared_ptr<State> state_;
    std::unique_ptr<Conn> conn_;
  };

  explicit ConnectionTable(std::size_t cap);

  // A slot for a new connection (it starts quiet: it has not spoken yet),
  // closing the quietest open one first when at the cap; nullopt when at
  // the cap with none quiet. `close` closes the connection's socket; it is
  // called at most once, from a later Admit or ShedOne.
  std::optional<Slot> Admit(std::function<void()> close);
  // Closes the quietest connection, if any (accept failed for want of file
  // descriptors). True if one was closed.
  bool ShedOne();

  std::size_t cap() const;
  std::size_t open() const;
  std::uint64_t shed() const;     // closed to make room
  std::uint64_t refused() const;  // turned away at the cap

 private:
  std::shared_ptr<State> state_;
};

}  // namespace stockade::supervisor
