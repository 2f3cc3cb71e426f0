// Fuzzes the daemon's JSON printer (supervisor/daemon/json_print.h) against
// protobuf's. Byte 0 picks the case: bits 0-1 the API message
// (ExecutionResult, Execution, ErrorResponse, Readiness), parsed from the
// rest of the input in binary form, so every string a hostile worker can
// put into a result (console text, value_json, error messages) reaches the
// printer; with bit 2 set, the rest is instead the raw message of an
// ErrorResponse, as the daemon builds those itself (from parser errors that
// may quote a client's bytes, valid UTF-8 or not).
//
// Invariants:
// - ToJson writes exactly what MessageToJsonString writes with
//   always_print_primitive_fields (json_print.h promises byte equality)
//   whenever every string is valid UTF-8, as parsed messages' are;
// - the output is valid UTF-8 (RFC 8259) without raw control characters,
//   so it can go on one SSE "data:" line, and protobuf parses it back (to
//   the same message, when the strings were valid).
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <memory>
#include <string>

#include "policy/request_validation.h"
#include "proto/api.pb.h"
#include "supervisor/daemon/json_print.h"
#include "tests/fuzz/fuzz_check.h"

namespace stockade {
namespace {

std::unique_ptr<google::protobuf::Message> NewMessage(unsigned kind) {
  switch (kind & 3) {
    case 0: return std::make_unique<api::ExecutionResult>();
    case 1: return std::make_unique<api::Execution>();
    case 2: return std::make_unique<api::ErrorResponse>();
    default: return std::make_unique<api::Readiness>();
  }
}

}  // namespace
}  // namespace stockade

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace stockade;
  if (size < 1) return 0;
  const unsigned kind = data[0];
  const std::string_view rest = fuzz::AsText(data + 1, size - 1);
  std::unique_ptr<google::protobuf::Message> message;
  bool valid_strings = true;
  if ((kind & 4) != 0) {
    auto error = std::make_unique<api::ErrorResponse>();
    error->set_status(api::INVALID_REQUEST);
    error->set_message(std::string(rest));
    valid_strings = policy::FindInvalidUtf8(rest) == std::string_view::npos;
    message = std::move(error);
  } else {
    message = NewMessage(kind);
    if (!message->ParseFromArray(rest.data(), static_cast<int>(rest.size()))) return 0;
    // JSON has no room for fields the schema does not know.
    message->DiscardUnknownFields();
  }

  const std::string ours = supervisor::ToJson(*message);
  FUZZ_CHECK(policy::FindInvalidUtf8(ours) == std::string_view::npos);
  for (char c : ours) FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20);
  auto back = NewMessage((kind & 4) != 0 ? 2 : kind);
  FUZZ_CHECK(google::protobuf::util::JsonStringToMessage(ours, back.get()).ok());
  if (!valid_strings) return 0;

  google::protobuf::util::JsonPrintOptions opts;
  opts.always_print_primitive_fields = true;
  std::string library;
  FUZZ_CHECK(google::protobuf::util::MessageToJsonString(*message, &library, opts).ok());
  if (ours != library) {
    std::fprintf(stderr, "json_print: %s\nprotobuf:   %s\n", ours.c_str(), library.c_str());
  }
  FUZZ_CHECK(ours == library);
  FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(*message, *back));
  return 0;
}
