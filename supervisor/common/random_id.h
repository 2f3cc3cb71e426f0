// Identifiers clients hold (executions, sessions): a prefix and 128 bits
// from the kernel's random source in hex, so one cannot be guessed from
// another.
#pragma once

#include <string>
#include <string_view>

namespace stockade::supervisor {

// e.g. RandomId("ex_") -> "ex_3f9c...": the prefix and 32 hex digits.
std::string RandomId(std::string_view prefix);

}  // namespace stockade::supervisor
