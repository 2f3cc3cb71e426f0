// What a session's history keeps of a run's result.
//
// A history record is read back as a summary (issue 13: "code, status,
// value, error, console head, metrics"), and a session keeps up to
// sessions.history_records of them in the store: kept whole, a run with a
// 1 MiB console and a 1 MiB value would make each record megabytes and the
// store gigabytes. So a record keeps the first console lines up to a small
// budget and the value cut to its head and tail; the result's own output
// and value info still say how much there was, and `truncated` says it was
// cut. The caller gets the full result; only the stored copy is trimmed.
#pragma once

#include <cstddef>

#include "proto/api.pb.h"

namespace stockade::policy {

inline constexpr std::size_t kHistoryConsoleLines = 20;
inline constexpr std::size_t kHistoryConsoleBytes = 4096;   // all kept lines' text together
inline constexpr std::size_t kHistoryValueBytes = 16384;
inline constexpr std::size_t kHistoryCodeBytes = 16384;

// What the history keeps of a result (already through the output filter),
// made without copying its whole console. `result` is left as it was (it
// is borrowed for the copy, hence not const).
api::ExecutionResult HistoryCopy(api::ExecutionResult& result);
// The code as the history keeps it (head only).
void TrimCodeForHistory(std::string* code);

}  // namespace stockade::policy
