// Small parsers shared by the subcommands: sizes ("100M"), durations
// ("500ms", "5s"), and reading a script from a file or stdin.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "proto/api.pb.h"
#include "proto/status.h"

namespace stockade::supervisor {

// "1048576", "512K", "100M", "1G" (binary units) -> bytes.
std::optional<std::uint64_t> ParseBytes(std::string_view text);
// "250" (ms), "250ms", "5s" -> milliseconds.
std::optional<std::uint32_t> ParseMillis(std::string_view text);
// --timeout / --memory / --output, shared by `run` and `exec`: true when
// `flag` is one of them. Sets the limit, or *error for a bad value.
bool IsLimitFlag(std::string_view flag);
void ApplyLimitFlag(std::string_view flag, std::string_view value, api::Limits* limits,
                    std::string* error);

// path "-" reads stdin.
StatusOr<std::string> ReadScript(const std::string& path);

}  // namespace stockade::supervisor
