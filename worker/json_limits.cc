#include "worker/json_limits.h"

#include <algorithm>

namespace stockade::worker {

void JsonLimits::Push(std::size_t max_bytes, bool keep_prefix) {
  Budget budget;
  budget.max_bytes = max_bytes;
  budget.keep_prefix = keep_prefix;
  budgets_.push_back(std::move(budget));
}

bool JsonLimits::Pop(std::string* prefix) {
  if (budgets_.empty()) return false;
  Budget& top = budgets_.back();
  const bool tripped = top.tripped;
  prefix->swap(top.prefix);
  budgets_.pop_back();
  return tripped;
}

void JsonLimits::OnEncoderStarted(const void* writer) {
  // Only the first encoder after Push() is the host's; any later one was
  // started by script code running inside it.
  if (!budgets_.empty() && budgets_.back().writer == nullptr) budgets_.back().writer = writer;
}

bool JsonLimits::RefuseGrowth(const void* writer, const char* data, std::size_t used) {
  // Growth is judged by what was written, not by the size asked for: the
  // encoder reserves up to 6 bytes per input byte before escaping a string,
  // far more than it ends up writing.
  for (Budget& budget : budgets_) {
    if (budget.writer != writer) continue;
    if (used <= budget.max_bytes) return false;
    if (!budget.tripped) {
      budget.tripped = true;
      if (budget.keep_prefix) budget.prefix.assign(data, std::min(used, budget.max_bytes));
    }
    return true;
  }
  return false;
}

}  // namespace stockade::worker
