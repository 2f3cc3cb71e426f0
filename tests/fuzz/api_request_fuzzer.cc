// Fuzzes the daemon's request path for POST /v1/executions with arbitrary
// bodies: DecodeCreateRequest (JSON -> the run to submit), then what
// Supervisor::Submit does with the run under each built-in policy
// (EffectiveRunLimits, ValidateRequest), then the Execute frame the worker
// would be sent.
//
// Invariants:
// - a body is either decoded or refused with the 400 message prefix, and
//   the refusal's JSON is valid UTF-8 whatever bytes the body held;
// - a decoded request survives the clients' encoders: printed by protobuf
//   (what `stockade exec` sends) or by json_print, it decodes to the same run;
// - effective limits never exceed the policy's ceilings, zero means the
//   policy default, and anything else within the ceiling is kept as asked;
// - ValidateRequest admits exactly the code that is within the size cap,
//   well-formed UTF-8, free of NUL and nested no deeper than the policy's
//   max_nesting_depth; a refusal is INVALID_REQUEST, and
//   its detail says "the policy allows" exactly when the code was too large
//   (ApiService maps that phrase to 413);
// - an admitted run's Execute frame parses back, unchanged, as the worker
//   parses it (a request must never make the worker's parser refuse a frame).
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <string>
#include <vector>

#include "policy/limits.h"
#include "policy/lowering.h"
#include "policy/policy_loader.h"
#include "policy/request_validation.h"
#include "proto/worker.pb.h"
#include "supervisor/daemon/api_request.h"
#include "supervisor/daemon/json_print.h"
#include "tests/fuzz/fuzz_check.h"

namespace stockade {
namespace {

using google::protobuf::util::MessageDifferencer;

const std::vector<policy::Policy>& Policies() {
  static const auto* policies = [] {
    auto* out = new std::vector<policy::Policy>;
    for (const char* name : {"default", "strict", "permissive"}) {
      auto p = policy::LoadPolicy(name);
      FUZZ_CHECK(p.ok());
      out->push_back(*p);
    }
    return out;
  }();
  return *policies;
}

template <typename T>
void CheckClamp(T requested, T fallback, T ceiling, T effective) {
  FUZZ_CHECK(effective <= ceiling);
  if (requested == 0) {
    FUZZ_CHECK(effective == std::min(fallback, ceiling));
  } else {
    FUZZ_CHECK(effective == std::min(requested, ceiling));
  }
}

void CheckRoundTrip(const supervisor::CreateRequest& decoded) {
  api::CreateExecutionRequest request;
  request.set_code(decoded.run.code());
  request.set_filename(decoded.run.filename());
  request.set_language(decoded.run.language());
  *request.mutable_limits() = decoded.run.limits();
  if (!decoded.wait) request.set_wait(false);

  std::string library;
  FUZZ_CHECK(google::protobuf::util::MessageToJsonString(request, &library).ok());
  for (const std::string& body : {library, supervisor::ToJson(request)}) {
    auto again = supervisor::DecodeCreateRequest(body);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(MessageDifferencer::Equals(again->run, decoded.run));
    FUZZ_CHECK(again->wait == decoded.wait);
  }
}

void CheckSubmit(const api::ExecuteRequest& run, const policy::Policy& p) {
  const auto& l = p.limits();
  const wire::RunLimits eff = policy::EffectiveRunLimits(p, run.limits());
  CheckClamp(run.limits().timeout_ms(), l.timeout_ms(), l.max_timeout_ms(), eff.timeout_ms());
  CheckClamp<std::uint64_t>(run.limits().memory_bytes(), l.memory_bytes(), l.max_memory_bytes(),
                            eff.memory_bytes());
  CheckClamp<std::uint64_t>(run.limits().output_bytes(), l.output_bytes(), l.max_output_bytes(),
                            eff.output_bytes());
  FUZZ_CHECK(eff.result_bytes() == l.result_bytes());

  const std::string& code = run.code();
  const bool too_large = code.size() > l.code_bytes();
  const bool too_deep =
      l.max_nesting_depth() > 0 && policy::FindNestingExcess(code, l.max_nesting_depth()).has_value();
  const auto language = policy::ParseLanguage(run.language());
  const bool language_ok =
      language && (*language == policy::Language::kJavaScript || p.lowering().enabled());
  // The filename shows in stacks: short, printable, valid UTF-8, and not
  // the standard library's own ("prelude").
  const std::string& filename = run.filename();
  bool filename_ok = filename.size() <= policy::kMaxFilenameBytes && filename != "prelude" &&
                     policy::FindInvalidUtf8(filename) == std::string::npos;
  for (unsigned char c : filename) filename_ok = filename_ok && c >= 0x20 && c != 0x7f;
  const bool admissible = language_ok && filename_ok && !too_large &&
                          policy::FindInvalidUtf8(code) == std::string::npos &&
                          code.find('\0') == std::string::npos && !too_deep;
  const auto rejected = policy::ValidateRequest(run, p);
  FUZZ_CHECK(rejected.has_value() != admissible);
  if (rejected) {
    FUZZ_CHECK(rejected->status == api::INVALID_REQUEST);
    FUZZ_CHECK((rejected->detail.find("the policy allows") != std::string::npos) == too_large);
    return;
  }

  // As Supervisor::Submit builds it, and as the worker reads it.
  wire::SupervisorFrame frame;
  wire::Execute* execute = frame.mutable_execute();
  execute->set_execution_id(1);
  *execute->mutable_limits() = eff;
  execute->set_code(code);
  execute->set_filename(run.filename().empty() ? "script.js" : run.filename());
  wire::SupervisorFrame parsed;
  FUZZ_CHECK(parsed.ParseFromString(frame.SerializeAsString()));
  FUZZ_CHECK(MessageDifferencer::Equals(parsed, frame));
}

}  // namespace
}  // namespace stockade

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace stockade;
  const auto& policies = Policies();
  auto decoded = supervisor::DecodeCreateRequest(fuzz::AsText(data, size));
  if (!decoded.ok()) {
    const std::string_view prefix = "request body is not a valid execution request: ";
    const std::string message = decoded.status().message();
    FUZZ_CHECK(message.compare(0, prefix.size(), prefix) == 0);
    // The 400 answer quotes the parser, which may quote the body: it must
    // still be valid UTF-8 JSON.
    api::ErrorResponse answer;
    answer.set_message(message);
    FUZZ_CHECK(policy::FindInvalidUtf8(supervisor::ToJson(answer)) == std::string::npos);
    return 0;
  }
  CheckRoundTrip(*decoded);
  for (const auto& p : policies) CheckSubmit(decoded->run, p);
  return 0;
}
