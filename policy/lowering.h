// Lowering decisions: which requests go through a compiler worker, how a
// lowering is asked for, and the policy compiler workers run under.
//
// The supervisor never parses JavaScript. A request is lowered when it says
// it is TypeScript, or when an ordinary worker could not compile it (a
// SYNTAX_ERROR that ran nothing): TypeScript's compiler, inside a confined
// compiler worker, then turns it into ES5 or reports its syntax errors.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/api.pb.h"
#include "proto/policy.pb.h"

namespace stockade::policy {

enum class Language { kJavaScript, kTypeScript };

// "" and "javascript" -> JavaScript, "typescript" -> TypeScript; anything
// else is not a language we run.
std::optional<Language> ParseLanguage(std::string_view name);
std::string_view LanguageName(Language language);

// The CLI's default for a file: .ts, .tsx, .mts, .cts are TypeScript.
Language LanguageForFilename(std::string_view filename);

// Whether an ordinary worker's answer means "lower it and run it again":
// JavaScript that did not compile (and so ran nothing), while lowering is on.
bool ShouldLowerAfter(const api::ExecutionResult& result, Language language, const Policy& policy);

// The code a compiler worker runs to lower `source`: a call to its
// __stockade_lower whose arguments are JSON string literals (U+2028 and
// U+2029 escaped, which ES5 string literals cannot hold), so the source
// reaches TypeScript's parser as data.
std::string LoweringCall(std::string_view source, Language language, std::string_view filename);

// A lowered run's error, told in the user's source: `lines` maps each line
// of the lowered program to the source line it came from (1-based; 0 for
// lines of TypeScript's helpers). error.line and each `(filename:N)` frame
// of error.stack are mapped; a line with no source of its own takes the
// nearest mapped line above it, and a frame in a helper loses its number.
// The excerpt and column of a syntax error in the lowered program say
// nothing about the source, so they go.
void MapLoweredLines(const std::vector<std::uint32_t>& lines, std::string_view filename, api::ScriptError* error);

// The policy of the compiler pool, from the policy in force: lowering.workers
// fixed workers with lowering.heap_bytes of heap each, lowering.timeout_ms
// per lowering, replaced after lowering.max_lowerings, results large enough
// for a lowered program of the largest allowed source, and no output filter
// (it would rewrite the program: redaction applies to what the program
// prints and returns).
Policy CompilerPoolPolicy(const Policy& policy);

}  // namespace stockade::policy
