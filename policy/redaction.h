// The output filter's decisions: which keys are sensitive and which text
// is a secret (SPEC §2.8, docs/POLICY.md "Redaction").
//
// A Redactor is compiled once from a RedactionPolicy and is then immutable
// and safe to share between threads. Keys match by words: "x-api-key",
// "apiKey", "API_KEY" and "APIKEY" all contain the entry "api_key", while
// "total_tokens" does not contain "token" (a whole word must match), so
// near misses stay readable. Values match RE2 patterns, which run in time
// linear in the text whatever the pattern, so neither an operator's pattern
// nor a hostile string can make the filter backtrack. Literal secrets an
// operator registers are also caught as their hex and base64 forms.
//
// Matching is per string. RedactLines() also catches a match that starts at
// the end of one console line and ends at the start of the next, and,
// for patterns with a block_end, a secret printed one line at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "proto/policy.pb.h"
#include "proto/status.h"

namespace re2 {
class RE2;
}

namespace stockade::policy {

class Redactor {
 public:
  // Fails, naming the field, on a pattern RE2 refuses or a literal shorter
  // than kMinLiteralBytes. Returns the previous Redactor when the policy is
  // the same as last time (compiling takes milliseconds).
  static StatusOr<std::shared_ptr<const Redactor>> Create(const RedactionPolicy& policy);
  ~Redactor();
  Redactor(const Redactor&) = delete;
  Redactor& operator=(const Redactor&) = delete;

  static constexpr std::size_t kMinLiteralBytes = 6;

  bool enabled() const { return enabled_; }
  const std::string& replacement() const { return replacement_; }

  // True when a run of the key's words spells a sensitive entry.
  bool IsSensitiveKey(std::string_view key) const;

  // One linear scan: false means RedactText would change nothing.
  bool MayMatch(std::string_view text) const;

  struct Span {
    std::size_t begin;
    std::size_t end;
  };
  // For a document of many strings (a JSON text): the matches of the
  // patterns without anchors (^ $ \A \z) over the whole text, in order. A
  // string whose text appears verbatim in the document (no escapes) can
  // only need redacting if it overlaps one of these or MayMatchAnchored
  // says so: a match inside the string is also a match in the document
  // (RE2 has no lookaround, and \b sees the same non-word quote at either
  // end), and a left-to-right scan cannot step over it without overlapping.
  void FindDocumentSpans(std::string_view document, std::vector<Span>* out) const;
  bool MayMatchAnchored(std::string_view text) const;

  // Replaces every pattern and literal match in *text with the replacement
  // (only group 1 when the pattern has a group). True when anything changed.
  bool RedactText(std::string* text) const;

  // A console stream: each line is redacted alone, then each boundary
  // between consecutive lines (the last line of the previous call included,
  // which is already delivered and is not changed) is searched for a match
  // that spans it; both parts are replaced. changed[i] says line i changed.
  class LineState;
  void RedactLines(std::vector<std::string*>& lines, LineState* state,
                   std::vector<bool>* changed) const;

  // Keys a word-run match is tried against, normalised (lower case, no
  // separators), sorted.
  const std::vector<std::string>& keys() const { return keys_; }

 private:
  Redactor() = default;
  static StatusOr<std::shared_ptr<const Redactor>> Compile(const RedactionPolicy& policy);
  // Sorted, non-overlapping spans to replace in text.
  void FindSpans(std::string_view text, std::vector<Span>* out) const;
  // Each match: where the whole match is, and the part to replace (group
  // 1 when the pattern has one). Unsorted, per pattern.
  struct Match {
    Span whole;
    Span replace;
  };
  void FindMatches(std::string_view text, std::vector<Match>* out) const;
  // Lines inside a block opened by a pattern with block_end: whole spans.
  void MarkBlocks(const std::vector<std::string*>& lines, LineState* state,
                  std::vector<std::vector<Span>>* spans) const;
  bool Apply(const std::vector<Span>& spans, std::string* text) const;

  bool enabled_ = false;
  std::string replacement_;
  std::vector<std::string> keys_;
  std::size_t max_key_bytes_ = 0;
  bool key_first_[256] = {};  // first bytes of keys_ entries
  std::vector<std::unique_ptr<re2::RE2>> patterns_;
  // Every pattern and literal in one alternation without groups (those
  // with text anchors apart): one linear scan says whether a string needs
  // the per-pattern passes at all.
  std::unique_ptr<re2::RE2> any_unanchored_;
  std::unique_ptr<re2::RE2> any_anchored_;  // null when no pattern uses anchors
  // block_end of each entry of patterns_ (null for most), and whether any.
  std::vector<std::unique_ptr<re2::RE2>> block_ends_;
  bool has_blocks_ = false;
};

// Whether a pattern asserts a text edge (^ $ \A \z outside a class): such
// a pattern can match a string alone but not where it sits in a document.
bool UsesTextAnchors(std::string_view regex);

class Redactor::LineState {
 public:
  // How much of the previous line and of the next one a spanning match may
  // cover. A secret split across lines longer than this is not caught.
  static constexpr std::size_t kWindow = 4096;
  // A block (RedactionPattern.block_end, e.g. a PEM key printed line by
  // line) replaces at most this many lines after the one that opened it.
  static constexpr std::uint32_t kMaxBlockLines = 500;

 private:
  friend class Redactor;
  std::string tail_;  // end of the last line already delivered
  std::uint32_t block_lines_ = 0;  // > 0: inside a block ...
  std::size_t block_pattern_ = 0;  // ... opened by this pattern
};

// "api_key", "apiKey", "API-KEY" -> "apikey": what keys are compared as.
std::string NormalizeKey(std::string_view key);

// The words of a key: split at non-alphanumerics and at case changes
// and between letters and digits ("xAPIKey" -> x, API, Key; "oauth2Token"
// -> oauth, 2, Token).
std::vector<std::string_view> KeyWords(std::string_view key);

// The regular expression body matching `secret` itself, its hex (either
// case) and the parts of its base64 forms (standard and URL-safe, at each
// of the three byte alignments) that do not depend on neighbouring bytes.
std::string LiteralAlternation(std::string_view secret);

}  // namespace stockade::policy
