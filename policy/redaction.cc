#include "policy/redaction.h"

#include <re2/re2.h>

#include <algorithm>
#include <mutex>
#include <cctype>
#include <utility>

namespace stockade::policy {
namespace {

bool IsUpper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
bool IsLower(unsigned char c) { return (c >= 'a' && c <= 'z') || c >= 0x80; }
bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }
bool IsWordByte(unsigned char c) { return IsUpper(c) || IsLower(c) || IsDigit(c); }
char Lower(char c) { return IsUpper(static_cast<unsigned char>(c)) ? static_cast<char>(c - 'A' + 'a') : c; }
bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

std::string Base64(std::string_view bytes, bool url_safe) {
  static constexpr char kStd[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  static constexpr char kUrl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const char* alphabet = url_safe ? kUrl : kStd;
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(alphabet[(acc >> bits) & 0x3F]);
    }
  }
  if (bits > 0) out.push_back(alphabet[(acc << (6 - bits)) & 0x3F]);
  return out;
}

std::string Hex(std::string_view bytes, bool upper) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 0xF]);
  }
  return out;
}

// Start of the last `window` bytes of s, moved forward to a character.
std::string_view TailOf(std::string_view s, std::size_t window) {
  if (s.size() <= window) return s;
  std::size_t at = s.size() - window;
  while (at < s.size() && IsContinuation(static_cast<unsigned char>(s[at]))) ++at;
  return s.substr(at);
}

std::string_view HeadOf(std::string_view s, std::size_t window) {
  if (s.size() <= window) return s;
  std::size_t end = window;
  while (end > 0 && IsContinuation(static_cast<unsigned char>(s[end]))) --end;
  return s.substr(0, end);
}

// Sorted by start, overlapping or touching spans joined.
void SortAndMerge(std::vector<Redactor::Span>* spans) {
  using Span = Redactor::Span;
  std::sort(spans->begin(), spans->end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
  std::vector<Span> merged;
  for (const Span& s : *spans) {
    if (!merged.empty() && s.begin <= merged.back().end) {
      merged.back().end = std::max(merged.back().end, s.end);
    } else {
      merged.push_back(s);
    }
  }
  *spans = std::move(merged);
}

RE2::Options PatternOptions() {
  RE2::Options o;
  o.set_log_errors(false);
  // Big enough for a few dozen patterns and many literals; RE2 refuses
  // (and we report) a program past it instead of using more memory.
  o.set_max_mem(64 << 20);
  return o;
}

}  // namespace

bool UsesTextAnchors(std::string_view re) {
  bool in_class = false;
  for (std::size_t i = 0; i < re.size(); ++i) {
    const char c = re[i];
    if (c == '\\') {
      if (i + 1 < re.size() && !in_class && (re[i + 1] == 'A' || re[i + 1] == 'z')) return true;
      ++i;
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      continue;
    }
    if (c == '[') {
      in_class = true;
      // "[^" negates and "[]" or "[^]" starts with a literal ']'.
      if (i + 1 < re.size() && re[i + 1] == '^') ++i;
      if (i + 1 < re.size() && re[i + 1] == ']') ++i;
      continue;
    }
    if (c == '^' || c == '$') return true;
  }
  return false;
}

namespace {

// Calls fn(word) for each word of key; see KeyWords.
template <typename Fn>
void ForEachWord(std::string_view key, Fn fn) {
  std::size_t start = std::string_view::npos;
  auto close = [&](std::size_t end) {
    if (start != std::string_view::npos && end > start) fn(key.substr(start, end - start));
    start = std::string_view::npos;
  };
  for (std::size_t i = 0; i < key.size(); ++i) {
    const auto c = static_cast<unsigned char>(key[i]);
    if (!IsWordByte(c)) {
      close(i);
      continue;
    }
    if (start != std::string_view::npos && i > start) {
      const auto prev = static_cast<unsigned char>(key[i - 1]);
      const bool next_lower = i + 1 < key.size() && IsLower(static_cast<unsigned char>(key[i + 1]));
      const bool boundary =
          (IsUpper(c) && (IsLower(prev) || IsDigit(prev))) ||   // apiKey, oauth2Token
          (IsUpper(c) && IsUpper(prev) && next_lower) ||         // APIKey -> API Key
          (IsDigit(c) != IsDigit(prev));                         // password1, 2fa
      if (boundary) close(i);
    }
    if (start == std::string_view::npos) start = i;
  }
  close(key.size());
}

}  // namespace

std::vector<std::string_view> KeyWords(std::string_view key) {
  std::vector<std::string_view> words;
  ForEachWord(key, [&](std::string_view w) { words.push_back(w); });
  return words;
}

std::string NormalizeKey(std::string_view key) {
  std::string out;
  for (std::string_view w : KeyWords(key)) {
    for (char c : w) out.push_back(Lower(c));
  }
  return out;
}

std::string LiteralAlternation(std::string_view secret) {
  std::vector<std::string> forms = {std::string(secret), Hex(secret, false), Hex(secret, true)};
  for (int offset = 0; offset < 3; ++offset) {
    // Base64 of secret placed `offset` bytes into a longer input: only the
    // characters whose 6 bits all come from the secret are fixed.
    const std::string padded = std::string(offset, '\0') + std::string(secret);
    const std::size_t first = (8 * offset + 5) / 6;
    const std::size_t last = 8 * (offset + secret.size()) / 6;  // one past
    for (bool url : {false, true}) {
      const std::string enc = Base64(padded, url);
      if (last > first && last <= enc.size()) forms.push_back(enc.substr(first, last - first));
    }
  }
  std::sort(forms.begin(), forms.end());
  forms.erase(std::unique(forms.begin(), forms.end()), forms.end());
  std::string out;
  for (const std::string& f : forms) {
    if (!out.empty()) out += '|';
    out += RE2::QuoteMeta(f);
  }
  return out;
}

StatusOr<std::shared_ptr<const Redactor>> Redactor::Create(const RedactionPolicy& policy) {
  // Compiling the default patterns takes milliseconds, and a policy is
  // compiled once to validate it and again by the pool that uses it: the
  // last one compiled is kept for the next identical request.
  static std::mutex mu;
  static std::string last_key;
  static std::shared_ptr<const Redactor> last;
  std::string key = policy.SerializeAsString();
  {
    std::lock_guard<std::mutex> lock(mu);
    if (last != nullptr && key == last_key) return last;
  }
  auto made = Compile(policy);
  if (made.ok()) {
    std::lock_guard<std::mutex> lock(mu);
    last_key = std::move(key);
    last = *made;
  }
  return made;
}

StatusOr<std::shared_ptr<const Redactor>> Redactor::Compile(const RedactionPolicy& policy) {
  std::shared_ptr<Redactor> r(new Redactor());
  r->enabled_ = policy.enabled();
  r->replacement_ = policy.has_replacement() ? policy.replacement() : "[REDACTED]";

  std::vector<std::string> keys;
  auto add_key = [&](const std::string& k, const char* field) -> Status {
    std::string n = NormalizeKey(k);
    if (n.empty()) return Status::Error("policy: redaction." + std::string(field) + " entry \"" + k +
                                        "\" has no letters or digits");
    keys.push_back(std::move(n));
    return Status::Ok();
  };
  for (const std::string& k : policy.keys()) STOCKADE_RETURN_IF_ERROR(add_key(k, "keys"));
  for (const std::string& k : policy.add_keys()) STOCKADE_RETURN_IF_ERROR(add_key(k, "add_keys"));
  for (const std::string& k : policy.remove_keys()) {
    const std::string n = NormalizeKey(k);
    auto it = std::remove(keys.begin(), keys.end(), n);
    if (it == keys.end()) {
      return Status::Error("policy: redaction.remove_keys entry \"" + k +
                           "\" is not among the keys (spelled without separators: \"" + n + "\")");
    }
    keys.erase(it, keys.end());
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  for (const std::string& k : keys) {
    r->max_key_bytes_ = std::max(r->max_key_bytes_, k.size());
    r->key_first_[static_cast<unsigned char>(k[0])] = true;
  }
  r->keys_ = std::move(keys);

  // Each pattern with the field it came from, for errors.
  std::vector<std::pair<RedactionPattern, const char*>> patterns;
  for (const RedactionPattern& p : policy.patterns()) patterns.emplace_back(p, "patterns");
  for (const RedactionPattern& p : policy.add_patterns()) patterns.emplace_back(p, "add_patterns");
  for (const std::string& name : policy.remove_patterns()) {
    auto it = std::remove_if(patterns.begin(), patterns.end(),
                             [&](const auto& p) { return p.first.name() == name; });
    if (it == patterns.end()) {
      return Status::Error("policy: redaction.remove_patterns names \"" + name +
                           "\", which is not among the patterns");
    }
    patterns.erase(it, patterns.end());
  }

  std::string unanchored, anchored;
  auto join = [](std::string* to, const std::string& re) {
    if (!to->empty()) *to += '|';
    *to += "(?:" + re + ")";
  };
  for (const auto& [p, field] : patterns) {
    const std::string label = std::string("policy: redaction.") + field + " \"" + p.name() + "\"";
    if (p.name().empty()) return Status::Error(std::string("policy: redaction.") + field + " entry has no name");
    auto re = std::make_unique<RE2>(p.regex(), PatternOptions());
    if (!re->ok()) return Status::Error(label + ": " + re->error());
    if (RE2::FullMatch("", *re)) {
      return Status::Error(label + " matches the empty string; it would redact nothing useful");
    }
    join(UsesTextAnchors(p.regex()) ? &anchored : &unanchored, p.regex());
    r->patterns_.push_back(std::move(re));
    std::unique_ptr<RE2> end;
    if (p.has_block_end()) {
      end = std::make_unique<RE2>(p.block_end(), PatternOptions());
      if (!end->ok()) return Status::Error(label + " block_end: " + end->error());
      r->has_blocks_ = true;
    }
    r->block_ends_.push_back(std::move(end));
  }
  std::string literals;
  for (const std::string& lit : policy.literals()) {
    if (lit.size() < kMinLiteralBytes) {
      return Status::Error("policy: redaction.literals entry of " + std::to_string(lit.size()) +
                           " bytes is shorter than " + std::to_string(kMinLiteralBytes) +
                           " bytes; it would redact ordinary text");
    }
    if (!literals.empty()) literals += '|';
    literals += LiteralAlternation(lit);
  }
  if (!literals.empty()) {
    auto re = std::make_unique<RE2>(literals, PatternOptions());
    if (!re->ok()) return Status::Error("policy: redaction.literals: " + re->error());
    join(&unanchored, literals);
    r->patterns_.push_back(std::move(re));
    r->block_ends_.push_back(nullptr);
  }
  // Never matches: a filter with no patterns still answers MayMatch.
  const std::string never = "[^\\x00-\\x{10FFFF}]";
  RE2::Options o = PatternOptions();
  o.set_never_capture(true);
  r->any_unanchored_ = std::make_unique<RE2>(unanchored.empty() ? never : unanchored, o);
  if (!anchored.empty()) r->any_anchored_ = std::make_unique<RE2>(anchored, o);
  for (const RE2* re : {r->any_unanchored_.get(), r->any_anchored_.get()}) {
    if (re != nullptr && !re->ok()) {
      return Status::Error("policy: redaction patterns together: " + re->error());
    }
  }
  return std::shared_ptr<const Redactor>(std::move(r));
}

Redactor::~Redactor() = default;

bool Redactor::IsSensitiveKey(std::string_view key) const {
  if (!enabled_ || keys_.empty()) return false;
  // Most keys of a big result are ordinary: a run can only match if it
  // starts with a word whose first letter starts some entry.
  thread_local std::vector<std::string_view> words;
  words.clear();
  // A key of millions of words must not keep the buffer's peak for the
  // thread's life.
  struct Shrink {
    ~Shrink() {
      if (words.capacity() > 1024) std::vector<std::string_view>().swap(words);
    }
  } shrink;
  bool any_start = false;
  ForEachWord(key, [&](std::string_view w) {
    words.push_back(w);
    any_start = any_start || key_first_[static_cast<unsigned char>(Lower(w[0]))];
  });
  if (!any_start) return false;
  thread_local std::string run;  // never longer than max_key_bytes_
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (!key_first_[static_cast<unsigned char>(Lower(words[i][0]))]) continue;
    run.clear();
    for (std::size_t j = i; j < words.size(); ++j) {
      if (run.size() + words[j].size() > max_key_bytes_) break;
      for (char c : words[j]) run.push_back(Lower(c));
      if (std::binary_search(keys_.begin(), keys_.end(), run)) return true;
    }
  }
  return false;
}

bool Redactor::MayMatch(std::string_view text) const {
  return enabled_ && !text.empty() &&
         (RE2::PartialMatch(text, *any_unanchored_) ||
          (any_anchored_ != nullptr && RE2::PartialMatch(text, *any_anchored_)));
}

bool Redactor::MayMatchAnchored(std::string_view text) const {
  return enabled_ && any_anchored_ != nullptr && RE2::PartialMatch(text, *any_anchored_);
}

void Redactor::FindDocumentSpans(std::string_view doc, std::vector<Span>* out) const {
  out->clear();
  if (!enabled_) return;
  const re2::StringPiece whole(doc.data(), doc.size());
  re2::StringPiece m;
  std::size_t pos = 0;
  while (pos <= doc.size() && any_unanchored_->Match(whole, pos, doc.size(), RE2::UNANCHORED, &m, 1)) {
    const auto begin = static_cast<std::size_t>(m.data() - doc.data());
    out->push_back(Span{begin, begin + m.size()});
    pos = begin + m.size() > pos ? begin + m.size() : pos + 1;
  }
}

void Redactor::FindMatches(std::string_view text, std::vector<Match>* out) const {
  out->clear();
  if (!MayMatch(text)) return;
  re2::StringPiece sub[2];
  const re2::StringPiece whole(text.data(), text.size());
  for (const auto& re : patterns_) {
    const int groups = re->NumberOfCapturingGroups() >= 1 ? 2 : 1;
    std::size_t pos = 0;
    while (pos <= text.size() &&
           re->Match(whole, pos, text.size(), RE2::UNANCHORED, sub, groups)) {
      const re2::StringPiece& r = (groups == 2 && sub[1].data() != nullptr) ? sub[1] : sub[0];
      const auto begin = static_cast<std::size_t>(sub[0].data() - text.data());
      const auto end = begin + sub[0].size();
      const auto rbegin = static_cast<std::size_t>(r.data() - text.data());
      if (!r.empty()) out->push_back(Match{{begin, end}, {rbegin, rbegin + r.size()}});
      pos = end > pos ? end : pos + 1;
    }
  }
}

void Redactor::FindSpans(std::string_view text, std::vector<Span>* out) const {
  std::vector<Match> matches;
  FindMatches(text, &matches);
  out->clear();
  for (const Match& m : matches) out->push_back(m.replace);
  SortAndMerge(out);
}

bool Redactor::Apply(const std::vector<Span>& spans, std::string* text) const {
  if (spans.empty()) return false;
  std::string out;
  out.reserve(text->size());
  std::size_t copied = 0;
  for (const Span& s : spans) {
    out.append(*text, copied, s.begin - copied);
    out += replacement_;
    copied = s.end;
  }
  out.append(*text, copied, std::string::npos);
  text->swap(out);
  return true;
}

bool Redactor::RedactText(std::string* text) const {
  std::vector<Span> spans;
  FindSpans(*text, &spans);
  if (!Apply(spans, text)) return false;
  // A replacement makes word boundaries of its own ("literal]AKIA..."), so
  // a pattern can match the redacted text where it did not match the
  // original: redact again while that changes anything, so that filtering
  // already-filtered output is a no-op (bounded; the replacement itself
  // matches nothing new).
  constexpr int kMaxRounds = 4;
  for (int round = 1; round < kMaxRounds; ++round) {
    spans.clear();
    FindSpans(*text, &spans);
    if (spans.empty()) break;
    const std::string before = *text;
    Apply(spans, text);
    if (*text == before) break;
  }
  return true;
}

void Redactor::MarkBlocks(const std::vector<std::string*>& lines, LineState* state,
                          std::vector<std::vector<Span>>* spans) const {
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = *lines[i];
    if (state->block_lines_ > 0) {
      (*spans)[i].push_back(Span{0, line.size()});
      const bool ends = RE2::PartialMatch(line, *block_ends_[state->block_pattern_]);
      state->block_lines_ =
          ends || state->block_lines_ >= LineState::kMaxBlockLines ? 0 : state->block_lines_ + 1;
      continue;
    }
    if (!MayMatch(line)) continue;
    const re2::StringPiece text(line.data(), line.size());
    re2::StringPiece m;
    for (std::size_t p = 0; p < patterns_.size(); ++p) {
      if (block_ends_[p] == nullptr ||
          !patterns_[p]->Match(text, 0, text.size(), RE2::UNANCHORED, &m, 1)) {
        continue;
      }
      const auto from = static_cast<std::size_t>(m.data() - line.data());
      if (!RE2::PartialMatch(re2::StringPiece(line.data() + from, line.size() - from), *block_ends_[p])) {
        state->block_lines_ = 1;
        state->block_pattern_ = p;
        break;
      }
    }
  }
}

void Redactor::RedactLines(std::vector<std::string*>& lines, LineState* state,
                           std::vector<bool>* changed) const {
  changed->assign(lines.size(), false);
  if (!enabled_ || lines.empty()) return;
  // Every match is found in the lines as the script wrote them, and only
  // then replaced: a boundary search over text already redacted could
  // start a match inside a replacement and swallow what follows it.
  std::vector<std::vector<Span>> spans(lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i) FindSpans(*lines[i], &spans[i]);
  if (has_blocks_) MarkBlocks(lines, state, &spans);

  std::vector<Match> across, tail_alone;
  std::string joined;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view before = i == 0 ? std::string_view(state->tail_)
                                           : TailOf(*lines[i - 1], LineState::kWindow);
    const std::string_view after = HeadOf(*lines[i], LineState::kWindow);
    if (before.empty() || after.empty()) continue;
    const std::size_t cut = before.size();
    joined.assign(before);
    joined.append(after);
    FindMatches(joined, &across);
    bool have_alone = false;
    for (const Match& m : across) {
      // Across: the whole match starts on the first line and ends on the
      // second ("password=" then "hunter2" on the next line counts, though
      // only the value is replaced).
      if (m.whole.begin >= cut || m.whole.end <= cut) continue;
      // A match the first line already has up to its end is not a split
      // secret: a greedy pattern ("Bearer <token>") would otherwise run on
      // into the next line's first word.
      if (!have_alone) {
        FindMatches(before, &tail_alone);
        have_alone = true;
      }
      const bool already = std::any_of(tail_alone.begin(), tail_alone.end(), [&](const Match& a) {
        return a.whole.end == cut && a.whole.begin <= m.whole.begin;
      });
      if (already) continue;
      if (i > 0 && m.replace.begin < cut) {
        const std::size_t size = lines[i - 1]->size();
        spans[i - 1].push_back(Span{size - cut + m.replace.begin, size});
      }
      if (m.replace.end > cut) {
        spans[i].push_back(Span{m.replace.begin > cut ? m.replace.begin - cut : 0, m.replace.end - cut});
      }
    }
  }
  state->tail_ = std::string(TailOf(*lines.back(), LineState::kWindow));

  for (std::size_t i = 0; i < lines.size(); ++i) {
    SortAndMerge(&spans[i]);
    (*changed)[i] = Apply(spans[i], lines[i]);
  }
}

}  // namespace stockade::policy
