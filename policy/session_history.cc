#include "policy/session_history.h"

#include <string>

#include "policy/truncation.h"

namespace stockade::policy {

void TrimForHistory(api::ExecutionResult* result) {
  auto* console = result->mutable_console();
  std::size_t bytes = 0;
  int keep = 0;
  for (; keep < console->size() && static_cast<std::size_t>(keep) < kHistoryConsoleLines; ++keep) {
    api::ConsoleLine& line = (*console)[keep];
    if (bytes + line.text().size() > kHistoryConsoleBytes) {
      // The line that does not fit is kept cut (if any room is left), so
      // the head is never empty.
      if (kHistoryConsoleBytes - bytes >= 64) {
        TruncateHeadTail(line.mutable_text(), kHistoryConsoleBytes - bytes, /*head_only=*/true);
        ++keep;
      }
      break;
    }
    bytes += line.text().size();
  }
  if (keep < console->size()) {
    console->DeleteSubrange(keep, console->size() - keep);
    result->mutable_output()->set_truncated(true);
  }
  if (result->value_json().size() > kHistoryValueBytes) {
    TruncateHeadTail(result->mutable_value_json(), kHistoryValueBytes);
    result->mutable_value()->set_truncated(true);
    result->mutable_value()->set_kept_bytes(result->value_json().size());
  }
}

void TrimCodeForHistory(std::string* code) { TruncateHeadTail(code, kHistoryCodeBytes, /*head_only=*/true); }

}  // namespace stockade::policy
