// Fuzzes the request checks (policy/request_validation.h) with arbitrary
// bytes as a script's code; the first two bytes (LE u16) set the policy's
// code_bytes cap, the rest is the code.
//
// Invariants:
// - FindInvalidUtf8 agrees with an independent code-point decoder (RFC 3629:
//   no overlong forms, no surrogates, nothing past U+10FFFF) on whether and
//   where the code breaks, and with protobuf's own check on whether it does
//   (the code travels to the worker in a proto3 string, which protobuf
//   refuses to parse unless it is valid UTF-8);
// - everything before the reported offset is valid, and the rest is invalid
//   from its first byte;
// - ValidateRequest admits exactly what is within the cap, valid and free of
//   NUL, and names the offending size or offset when it refuses.
#include <google/protobuf/stubs/common.h>

#include <string>

#include "policy/request_validation.h"
#include "tests/fuzz/fuzz_check.h"

namespace stockade::policy {
namespace {

// Length of the valid UTF-8 sequence at s[i], or 0: decodes the code point
// and then checks its range, the other way round from FindInvalidUtf8.
std::size_t SequenceLength(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned c = b(0);
  std::size_t len;
  std::uint32_t cp;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (b(k) & 0x3F);
  }
  static constexpr std::uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMinForLength[len]) return 0;           // overlong
  if (cp >= 0xD800 && cp <= 0xDFFF) return 0;      // UTF-16 surrogate
  if (cp > 0x10FFFF) return 0;
  return len;
}

std::size_t ReferenceInvalidAt(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t n = SequenceLength(s, i);
    if (n == 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

}  // namespace
}  // namespace stockade::policy

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace stockade;
  using namespace stockade::policy;
  if (size < 2) return 0;
  const std::uint64_t cap = data[0] | std::uint64_t{data[1]} << 8;
  const std::string_view code = fuzz::AsText(data + 2, size - 2);

  const std::size_t at = FindInvalidUtf8(code);
  FUZZ_CHECK(at == ReferenceInvalidAt(code));
  FUZZ_CHECK((at == std::string_view::npos) ==
             google::protobuf::internal::IsStructurallyValidUTF8(code.data(),
                                                                 static_cast<int>(code.size())));
  if (at != std::string_view::npos) {
    FUZZ_CHECK(at < code.size());
    FUZZ_CHECK(FindInvalidUtf8(code.substr(0, at)) == std::string_view::npos);
    FUZZ_CHECK(FindInvalidUtf8(code.substr(at)) == 0);
  }

  Policy p;
  p.mutable_limits()->set_code_bytes(cap);
  api::ExecuteRequest request;
  request.set_code(std::string(code));
  const auto rejected = ValidateRequest(request, p);
  const std::size_t nul = code.find('\0');
  if (code.size() > cap) {
    FUZZ_CHECK(rejected.has_value());
    FUZZ_CHECK(rejected->detail.find(std::to_string(code.size()) + " bytes") != std::string::npos);
  } else if (at != std::string_view::npos) {
    FUZZ_CHECK(rejected.has_value());
    FUZZ_CHECK(rejected->detail.find("offset " + std::to_string(at)) != std::string::npos);
  } else if (nul != std::string::npos) {
    FUZZ_CHECK(rejected.has_value());
    FUZZ_CHECK(rejected->detail.find("offset " + std::to_string(nul)) != std::string::npos);
  } else {
    FUZZ_CHECK(!rejected.has_value());
  }
  if (rejected) FUZZ_CHECK(rejected->status == api::INVALID_REQUEST);
  return 0;
}
