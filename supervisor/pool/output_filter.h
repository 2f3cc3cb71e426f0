// The output filter of one run (SPEC §2.8): what the worker produced is
// redacted and capped here, on the supervisor's side, before any front
// end, log or store sees it.
//
// Console lines are filtered batch by batch as they stream (the redactor
// also looks across the boundary between consecutive lines); the result's
// JSON value, error and detail when the run ends. The value over
// limits.result_bytes keeps its head and tail (policy/truncation.h) and the
// run stays OK unless the policy says fail_on_truncation. The caps on
// console output are the worker's (it streams the head and keeps the
// tail); a worker that breaks them is killed by WorkerProcess.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <google/protobuf/repeated_ptr_field.h>

#include "policy/redaction.h"
#include "proto/api.pb.h"
#include "proto/policy.pb.h"

namespace stockade::supervisor {

class OutputFilter {
 public:
  // redactor may be null (nothing is redacted). result_cap 0 = no cap.
  OutputFilter(std::shared_ptr<const policy::Redactor> redactor, std::uint64_t result_cap,
               bool fail_on_truncation);

  // Redacts one batch in place; first_number is the 1-based number the
  // batch's first line has in the run's console.
  void FilterConsole(google::protobuf::RepeatedPtrField<api::ConsoleLine>* lines,
                     std::uint32_t first_number);

  // Redacts value_json (by key and pattern), error and detail, caps the
  // value and records what was done in redactions and value. The console
  // lines redacted so far are listed too. value_incomplete: the worker
  // stopped encoding early, so value_json is only a head.
  void FilterResult(api::ExecutionResult* result, bool value_incomplete);

 private:
  std::shared_ptr<const policy::Redactor> redactor_;
  std::uint64_t result_cap_;
  bool fail_on_truncation_;
  policy::Redactor::LineState line_state_;
  std::vector<std::uint32_t> console_lines_;
};

}  // namespace stockade::supervisor
