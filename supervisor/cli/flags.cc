#include "supervisor/cli/flags.h"

#include <charconv>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace stockade::supervisor {
namespace {

std::optional<std::uint64_t> ParseUnsigned(std::string_view digits) {
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || digits.empty()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<std::uint64_t> ParseBytes(std::string_view text) {
  std::uint64_t mult = 1;
  if (!text.empty()) {
    switch (text.back()) {
      case 'K': case 'k': mult = 1ull << 10; break;
      case 'M': case 'm': mult = 1ull << 20; break;
      case 'G': case 'g': mult = 1ull << 30; break;
      default: break;
    }
    if (mult != 1) text.remove_suffix(1);
  }
  auto v = ParseUnsigned(text);
  if (!v || *v > UINT64_MAX / mult) return std::nullopt;
  return *v * mult;
}

std::optional<std::uint32_t> ParseMillis(std::string_view text) {
  std::uint64_t mult = 1;
  if (text.ends_with("ms")) {
    text.remove_suffix(2);
  } else if (text.ends_with("s")) {
    text.remove_suffix(1);
    mult = 1000;
  }
  auto v = ParseUnsigned(text);
  if (!v || *v * mult > UINT32_MAX) return std::nullopt;
  return static_cast<std::uint32_t>(*v * mult);
}

bool IsLimitFlag(std::string_view flag) {
  return flag == "--timeout" || flag == "--memory" || flag == "--output";
}

void ApplyLimitFlag(std::string_view flag, std::string_view value, api::Limits* limits,
                    std::string* error) {
  if (flag == "--timeout") {
    auto ms = ParseMillis(value);
    if (!ms || *ms == 0) *error = "bad --timeout " + std::string(value);
    else limits->set_timeout_ms(*ms);
    return;
  }
  auto bytes = ParseBytes(value);
  if (!bytes || *bytes == 0) {
    *error = "bad " + std::string(flag) + " " + std::string(value);
  } else if (flag == "--memory") {
    limits->set_memory_bytes(*bytes);
  } else {
    limits->set_output_bytes(*bytes);
  }
}

StatusOr<std::string> ReadScript(const std::string& path) {
  if (path == "-") {
    std::ostringstream s;
    s << std::cin.rdbuf();
    return s.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error("cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace stockade::supervisor
