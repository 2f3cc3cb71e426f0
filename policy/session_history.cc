#include "policy/session_history.h"

#include <string>

#include "policy/truncation.h"

namespace stockade::policy {

api::ExecutionResult HistoryCopy(api::ExecutionResult& result) {
  // Copied without its console, which may be thousands of lines: only the
  // head is wanted.
  google::protobuf::RepeatedPtrField<api::ConsoleLine> console;
  console.Swap(result.mutable_console());
  api::ExecutionResult out = result;
  console.Swap(result.mutable_console());

  std::size_t bytes = 0;
  for (const api::ConsoleLine& line : result.console()) {
    if (static_cast<std::size_t>(out.console_size()) == kHistoryConsoleLines) break;
    if (bytes + line.text().size() > kHistoryConsoleBytes) {
      // The line that does not fit is kept cut (if any room is left), so
      // the head is never empty.
      if (kHistoryConsoleBytes - bytes >= 64) {
        api::ConsoleLine* cut = out.add_console();
        *cut = line;
        TruncateHeadTail(cut->mutable_text(), kHistoryConsoleBytes - bytes, /*head_only=*/true);
      }
      break;
    }
    bytes += line.text().size();
    *out.add_console() = line;
  }
  if (out.console_size() < result.console_size()) out.mutable_output()->set_truncated(true);
  if (out.value_json().size() > kHistoryValueBytes) {
    TruncateHeadTail(out.mutable_value_json(), kHistoryValueBytes);
    out.mutable_value()->set_truncated(true);
    out.mutable_value()->set_kept_bytes(out.value_json().size());
  }
  return out;
}

void TrimCodeForHistory(std::string* code) { TruncateHeadTail(code, kHistoryCodeBytes, /*head_only=*/true); }

}  // namespace stockade::policy
