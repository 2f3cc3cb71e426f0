#include "supervisor/pool/output_filter.h"

#include <string>
#include <utility>

#include "policy/json_redaction.h"
#include "policy/truncation.h"

namespace stockade::supervisor {

OutputFilter::OutputFilter(std::shared_ptr<const policy::Redactor> redactor,
                           std::uint64_t result_cap, bool fail_on_truncation)
    : redactor_(std::move(redactor)),
      result_cap_(result_cap),
      fail_on_truncation_(fail_on_truncation) {}

void OutputFilter::FilterConsole(google::protobuf::RepeatedPtrField<api::ConsoleLine>* lines,
                                 std::uint32_t first_number) {
  if (redactor_ == nullptr || !redactor_->enabled() || lines->empty()) return;
  std::vector<std::string*> texts;
  texts.reserve(static_cast<std::size_t>(lines->size()));
  for (api::ConsoleLine& line : *lines) texts.push_back(line.mutable_text());
  std::vector<bool> changed;
  redactor_->RedactLines(texts, &line_state_, &changed);
  for (int i = 0; i < lines->size(); ++i) {
    if (!changed[static_cast<std::size_t>(i)]) continue;
    lines->Mutable(i)->set_redacted(true);
    console_lines_.push_back(first_number + static_cast<std::uint32_t>(i));
  }
}

void OutputFilter::FilterResult(api::ExecutionResult* r, bool value_incomplete) {
  api::Redactions red;
  if (redactor_ != nullptr && redactor_->enabled()) {
    if (!r->value_json().empty()) {
      policy::JsonRedaction j = policy::RedactJson(*redactor_, r->mutable_value_json());
      for (std::string& p : j.paths) red.add_paths(std::move(p));
      red.set_paths_omitted(j.paths_omitted);
    }
    if (r->has_error()) {
      api::ScriptError* e = r->mutable_error();
      bool changed = redactor_->RedactText(e->mutable_message());
      changed = redactor_->RedactText(e->mutable_stack()) || changed;
      changed = redactor_->RedactText(e->mutable_name()) || changed;
      changed = redactor_->RedactText(e->mutable_excerpt()) || changed;
      red.set_error(changed);
    }
    red.set_detail(redactor_->RedactText(r->mutable_detail()));
    for (std::uint32_t n : console_lines_) red.add_console_lines(n);
  }
  if (red.paths_size() > 0 || red.paths_omitted() > 0 || red.console_lines_size() > 0 ||
      red.error() || red.detail()) {
    *r->mutable_redactions() = std::move(red);
  }

  if (!r->value_json().empty() || value_incomplete) {
    api::ValueInfo* v = r->mutable_value();
    v->set_total_bytes(r->value_json().size());
    v->set_total_is_lower_bound(value_incomplete);
    if (result_cap_ != 0 && (r->value_json().size() > result_cap_ || value_incomplete)) {
      policy::TruncateHeadTail(r->mutable_value_json(), result_cap_, value_incomplete);
      v->set_truncated(true);
    }
    v->set_kept_bytes(r->value_json().size());
  }

  const bool truncated = r->value().truncated() || r->output().truncated();
  if (fail_on_truncation_ && truncated && r->status() == api::OK) {
    r->set_status(api::OUTPUT_LIMIT);
    r->set_detail(r->value().truncated()
                      ? "the JSON result is " + std::to_string(r->value().total_bytes()) +
                            (r->value().total_is_lower_bound() ? "+" : "") +
                            " bytes, over the result limit of " + std::to_string(result_cap_) +
                            " bytes (limits.fail_on_truncation)"
                      : "console output of " + std::to_string(r->output().total_bytes()) +
                            " bytes passed the output limit (limits.fail_on_truncation)");
    r->clear_value_json();
  }
}

}  // namespace stockade::supervisor
