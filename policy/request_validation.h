// Checks a request must pass before any worker is touched (SPEC §2.2).
//
// Cheap, exact checks on the bytes: size against the policy, well-formed
// UTF-8, no NUL bytes. They are for clean, early errors; they are not a
// security boundary (the worker's confinement is). Syntax errors are left to
// the interpreter, which is the parser of record.
#pragma once

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

std::optional<Rejection> ValidateRequest(const api::ExecuteRequest& request, const Policy& policy);

// Offset of the first byte that breaks UTF-8 well-formedness, or npos.
std::size_t FindInvalidUtf8(std::string_view s);

}  // namespace stockade::policy
