#include "policy/truncation.h"

namespace stockade::policy {
namespace {

bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

std::string Marker(std::size_t omitted) {
  return " \xE2\x80\xA6[" + std::to_string(omitted) + " bytes omitted]\xE2\x80\xA6 ";
}

}  // namespace

std::size_t Utf8PrefixLength(const std::string& text, std::size_t n) {
  if (n >= text.size()) return text.size();
  while (n > 0 && IsContinuation(text[n])) --n;
  return n;
}

bool TruncateHeadTail(std::string* text, std::size_t cap, bool head_only) {
  if (text->size() <= cap) return false;
  // The marker's length depends on the count it prints; size it for the
  // largest count it can show, so the total never exceeds cap.
  const std::size_t marker_bytes = Marker(text->size()).size();
  if (cap <= marker_bytes + 8) {
    text->resize(Utf8PrefixLength(*text, cap));
    return true;
  }
  const std::size_t budget = cap - marker_bytes;
  const std::size_t head = Utf8PrefixLength(*text, head_only ? budget : budget - budget / 2);
  std::size_t tail_start = text->size();
  if (!head_only) {
    tail_start = text->size() - budget / 2;
    while (tail_start < text->size() && IsContinuation((*text)[tail_start])) ++tail_start;
  }
  std::string out = text->substr(0, head);
  out += Marker(tail_start - head);
  out.append(*text, tail_start, std::string::npos);
  text->swap(out);
  return true;
}

}  // namespace stockade::policy
