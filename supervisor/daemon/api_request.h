// Decoding the body of POST /v1/executions into the run to submit.
//
// Pure and socket-free, so it is unit-tested and fuzzed on its own. The body
// is the JSON mapping of api.CreateExecutionRequest, parsed strictly: an
// unknown field is an error, because a misspelt "limits" would otherwise run
// silently with the defaults. The checks on the code itself (size, UTF-8,
// NUL) are policy::ValidateRequest's, applied when the run is submitted.
#pragma once

#include <string_view>

#include "proto/api.pb.h"
#include "proto/status.h"

namespace stockade::supervisor {

struct CreateRequest {
  api::ExecuteRequest run;  // what goes to Supervisor::Submit
  bool wait = true;         // answer when the run is done; false: 202 at once
};

// The error's message is the 400 answer's message.
StatusOr<CreateRequest> DecodeCreateRequest(std::string_view body);

}  // namespace stockade::supervisor
