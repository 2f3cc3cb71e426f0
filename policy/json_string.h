// One JSON string literal from any bytes: for log lines, the CLI's JSON and
// the output filter's replacements.
//
// Escapes ", \ and control characters, and U+2028/U+2029 (they end a line
// in JavaScript; protobuf's printer escapes them too). Bytes that are not
// valid UTF-8 become U+FFFD, so the text is always valid JSON. (The
// daemon's API answers use supervisor/daemon/json_print.h, which must match
// protobuf byte for byte.)
#pragma once

#include <string>
#include <string_view>

namespace stockade::policy {

void AppendJsonString(std::string_view text, std::string* out);

}  // namespace stockade::policy
