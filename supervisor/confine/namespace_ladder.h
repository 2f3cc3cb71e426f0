// NamespaceLadder: which namespaces the next worker is asked to start in,
// narrowed by what this host has refused so far.
//
// Spawn tries every namespace it is given and reports the ones the kernel
// refused (and why); the ladder remembers them so later spawns do not pay
// for the same refusals again, and keeps the reasons for /readyz, selftest
// and the start-up log. It only ever narrows: a refusal is a property of
// the host (a sysctl, a seccomp profile, missing privilege), not of one
// spawn. Shared by the spawner threads, so it locks.
#pragma once

#include <mutex>
#include <string>

#include "supervisor/confine/spawn.h"

namespace stockade::supervisor {

class NamespaceLadder {
 public:
  // `wanted`: what the policy asks for; `required`: what must be in force.
  NamespaceLadder(unsigned wanted, unsigned required);

  // The set to ask the next spawn for.
  unsigned next() const;
  unsigned required() const { return required_; }

  // Learns from one spawn's report. Returns an error naming the refusal
  // when a required namespace is missing from it.
  Status Record(const SpawnReport& report);

  // What the last worker got: "user,pid,..." or "none"; "pending" before
  // any worker started.
  std::string in_force() const;
  // "net: clone(CLONE_NEWNET): Operation not permitted; ..." or "".
  std::string refusals() const;

 private:
  const unsigned wanted_;
  const unsigned required_;
  mutable std::mutex mu_;
  unsigned next_;
  bool started_ = false;
  unsigned in_force_ = 0;
  std::string refusals_;
  std::string reasons_[7];  // by bit position: why each one was refused
};

}  // namespace stockade::supervisor
