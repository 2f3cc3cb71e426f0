// API keys for the daemon: who may call, and under which name.
//
// The key file has one key per line, optionally followed by a name
// ("sk_live_abc123 ci-runner"); blank lines and lines starting with '#'
// are ignored. A request presents its key as `Authorization: Bearer <key>`.
// Lookup compares against every key in constant time (no early exit on the
// first differing byte or the first match), so response timing does not
// reveal how much of a guess was right. Keys are never logged; the name is
// what appears in logs and metrics, and it owns the executions and sessions
// it creates. A key without a name is named after a digest of itself
// (DerivedName), so editing the file never moves one key's sessions to another.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/status.h"

namespace stockade::supervisor {

class ApiKeys {
 public:
  // No keys: authentication is off (the daemon then listens on loopback
  // and Unix sockets only).
  ApiKeys() = default;
  static StatusOr<ApiKeys> Load(const std::string& path);
  static StatusOr<ApiKeys> Parse(std::string_view text, const std::string& source);
  // The name of a key given none: "key-" and 12 hex digits of its SHA-256.
  static std::string DerivedName(const std::string& secret);

  bool enabled() const { return !keys_.empty(); }
  std::size_t size() const { return keys_.size(); }

  // The key's name for an Authorization header value, or nullopt.
  std::optional<std::string> Authenticate(std::string_view authorization_header) const;

 private:
  struct Key {
    std::string secret;
    std::string name;
  };
  std::vector<Key> keys_;
};

// Equal length and equal bytes, in time that depends only on the lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace stockade::supervisor
