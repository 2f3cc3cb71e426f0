// Checks a request must pass before any worker is touched (SPEC §2.2).
//
// Cheap, exact checks on the bytes: size against the policy, well-formed
// UTF-8, no NUL bytes, and how deeply brackets nest (the parser recurses on
// the C stack; deep source is refused here with its line and column). They are for clean, early errors; they are not a
// security boundary (the worker's confinement is). Syntax errors are left to
// the interpreter, which is the parser of record.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "proto/api.pb.h"
#include "proto/policy.pb.h"

namespace stockade::policy {

struct Rejection {
  api::Status status;
  std::string detail;
};

// A request's filename (shown in stacks) is at most this long.
constexpr std::size_t kMaxFilenameBytes = 256;

std::optional<Rejection> ValidateRequest(const api::ExecuteRequest& request, const Policy& policy);

// Offset of the first byte that breaks UTF-8 well-formedness, or npos.
std::size_t FindInvalidUtf8(std::string_view s);

// Where JavaScript source first opens bracket number `limit` + 1 at once:
// ( [ { and template substitutions ${, not counting those inside strings,
// template text, comments or regular-expression literals. A regular
// expression is told from a division the usual way, by the token before
// it. Unterminated constructs are left to the parser.
struct NestingExcess {
  std::size_t line = 0;    // 1-based
  std::size_t column = 0;  // 1-based, in bytes
};
std::optional<NestingExcess> FindNestingExcess(std::string_view code, std::uint32_t limit);

}  // namespace stockade::policy
