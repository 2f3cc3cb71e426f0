// The output filter over a JSON result: one pass over the text, no tree.
//
// A value under a sensitive key (Redactor::IsSensitiveKey) is replaced
// whole, objects and arrays included, by the replacement as a JSON string;
// null, true, false and "" are left alone since they hide nothing. Every
// other string, keys included, and every number goes through the value
// patterns (a number that matches becomes a string). The pass
// keeps a stack of where it is, so it reports the JSON path of each
// replacement ("$.user.password", "$.items[2].token", "$[\"x-api-key\"]")
// and never the value, and nesting depth costs no C++ stack.
//
// The text comes from a worker, which may be hostile: anything that stops
// parsing as JSON (including a head cut short by the encoder, or nesting
// deeper than 10000) is redacted from there on as plain text and reported
// at the path where it stopped. The work is linear in the text, and what is
// reported is bounded: at most max_paths paths, each at most ~1 KiB (keys
// over 64 bytes are cut in paths), 64 KiB in all; the rest are counted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "policy/redaction.h"

namespace stockade::policy {

struct JsonRedaction {
  bool changed = false;
  std::vector<std::string> paths;  // in document order, at most max_paths
  std::uint32_t paths_omitted = 0;
};

JsonRedaction RedactJson(const Redactor& redactor, std::string* json, std::size_t max_paths = 1000);

}  // namespace stockade::policy
