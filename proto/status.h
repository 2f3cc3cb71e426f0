// Status and StatusOr: how set-up code that can fail reports why.
//
// A Status is either OK or carries a message with enough context for an
// operator to act on it ("cgroup v2: cannot write /sys/fs/cgroup/x/memory.max:
// Permission denied"). StatusOr<T> holds a value or a non-OK Status. These
// never cross the wire; typed execution outcomes live in api.proto.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace stockade {

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Error(std::string message) { return Status(std::move(message), false); }

  bool ok() const { return ok_; }
  const std::string& message() const { return message_; }

  // Prefixes context: Status::Error("EPERM").With("spawn") -> "spawn: EPERM".
  Status With(const std::string& context) const {
    return ok_ ? *this : Error(context + ": " + message_);
  }

 private:
  Status(std::string message, bool ok) : message_(std::move(message)), ok_(ok) {}
  std::string message_;
  bool ok_ = true;
};

// "what: strerror(errno)" for the current errno.
Status ErrnoError(const std::string& what);
Status ErrnoError(const std::string& what, int err);

template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  StatusOr(Status status) : v_(std::move(status)) { assert(!std::get<Status>(v_).ok()); }  // NOLINT

  bool ok() const { return std::holds_alternative<T>(v_); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }
  T& value() & { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  const T& value() const& { return std::get<T>(v_); }
  T& operator*() & { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace stockade

#define STOCKADE_CONCAT_INNER(a, b) a##b
#define STOCKADE_CONCAT(a, b) STOCKADE_CONCAT_INNER(a, b)

#define STOCKADE_RETURN_IF_ERROR(expr)        \
  do {                                        \
    ::stockade::Status _st = (expr);          \
    if (!_st.ok()) return _st;                \
  } while (0)

#define STOCKADE_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) return tmp.status();                  \
  lhs = std::move(tmp).value()

#define STOCKADE_ASSIGN_OR_RETURN(lhs, expr) \
  STOCKADE_ASSIGN_OR_RETURN_IMPL(STOCKADE_CONCAT(_statusor_, __LINE__), lhs, expr)
