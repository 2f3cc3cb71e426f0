#include "supervisor/daemon/api_request.h"

#include <google/protobuf/util/json_util.h>

namespace stockade::supervisor {

StatusOr<CreateRequest> DecodeCreateRequest(std::string_view body) {
  api::CreateExecutionRequest request;
  google::protobuf::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = false;
  const auto st = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(body.data(), body.size()), &request, opts);
  if (!st.ok()) {
    return Status::Error("request body is not a valid execution request: " +
                         std::string(st.message()));
  }
  CreateRequest out;
  out.run.set_code(std::move(*request.mutable_code()));
  out.run.set_filename(request.filename());
  out.run.set_language(request.language());
  out.run.set_session_id(request.session_id());
  *out.run.mutable_limits() = request.limits();
  out.wait = !request.has_wait() || request.wait();
  return out;
}

}  // namespace stockade::supervisor
