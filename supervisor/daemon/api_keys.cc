#include "supervisor/daemon/api_keys.h"

#include <openssl/sha.h>

#include <fstream>
#include <sstream>

namespace stockade::supervisor {

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  // Walk the longer length so a short guess costs as much as a long one.
  const std::size_t n = a.size() > b.size() ? a.size() : b.size();
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

// A key without a name is named after a digest of the secret, not its
// place in the file: sessions outlive the daemon and belong to the name,
// so removing one line must not hand the next key its neighbour's
// sessions. 48 bits of SHA-256 say nothing useful about a 16+ character
// secret, and the name is all that logs and metrics show.
std::string ApiKeys::DerivedName(const std::string& secret) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string name = "key-";
  for (int i = 0; i < 6; ++i) {
    name += kHex[digest[i] >> 4];
    name += kHex[digest[i] & 15];
  }
  return name;
}

StatusOr<ApiKeys> ApiKeys::Parse(std::string_view text, const std::string& source) {
  ApiKeys keys;
  std::istringstream in{std::string(text)};
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::istringstream fields(line);
    std::string secret, name, extra;
    if (!(fields >> secret) || secret[0] == '#') continue;
    fields >> name >> extra;
    const std::string where = source + ":" + std::to_string(number);
    if (!extra.empty()) return Status::Error(where + ": expected \"<key> [name]\"");
    if (secret.size() < 16) return Status::Error(where + ": keys must be at least 16 characters");
    if (name.empty()) name = DerivedName(secret);
    for (const Key& k : keys.keys_) {
      if (k.name == name) return Status::Error(where + ": duplicate key name \"" + name + "\"");
    }
    keys.keys_.push_back(Key{std::move(secret), std::move(name)});
  }
  if (keys.keys_.empty()) return Status::Error(source + ": no keys");
  return keys;
}

StatusOr<ApiKeys> ApiKeys::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::Error("cannot read API key file " + path);
  std::stringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path);
}

std::optional<std::string> ApiKeys::Authenticate(std::string_view header) const {
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() <= kBearer.size() || header.substr(0, kBearer.size()) != kBearer) {
    return std::nullopt;
  }
  const std::string_view presented = header.substr(kBearer.size());
  const Key* match = nullptr;
  for (const Key& k : keys_) {
    // No early exit: every key is compared whatever the outcome.
    if (ConstantTimeEquals(presented, k.secret)) match = &k;
  }
  if (match == nullptr) return std::nullopt;
  return match->name;
}

}  // namespace stockade::supervisor
