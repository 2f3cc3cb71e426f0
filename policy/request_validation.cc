#include "policy/request_validation.h"

namespace stockade::policy {

std::size_t FindInvalidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    unsigned lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;       // no overlong forms
      if (c == 0xED) hi = 0x9F;       // no UTF-16 surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;       // nothing past U+10FFFF
    } else {
      return i;
    }
    if (i + len > n) return i;
    if (p[i + 1] < lo || p[i + 1] > hi) return i;
    for (std::size_t k = 2; k < len; ++k) {
      if (p[i + k] < 0x80 || p[i + k] > 0xBF) return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

std::optional<Rejection> ValidateRequest(const api::ExecuteRequest& request, const Policy& policy) {
  const std::string& code = request.code();
  const std::uint64_t cap = policy.limits().code_bytes();
  if (code.size() > cap) {
    return Rejection{api::INVALID_REQUEST, "code is " + std::to_string(code.size()) +
                                               " bytes; the policy allows " + std::to_string(cap)};
  }
  if (const std::size_t at = FindInvalidUtf8(code); at != std::string_view::npos) {
    return Rejection{api::INVALID_REQUEST,
                     "code is not valid UTF-8 (first bad byte at offset " + std::to_string(at) + ")"};
  }
  if (const std::size_t at = code.find('\0'); at != std::string::npos) {
    return Rejection{api::INVALID_REQUEST,
                     "code contains a NUL byte at offset " + std::to_string(at)};
  }
  return std::nullopt;
}

}  // namespace stockade::policy
