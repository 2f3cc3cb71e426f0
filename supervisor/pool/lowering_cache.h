// LoweringCache: lowered programs by (tenant, language, file name, source),
// least recently used first out, bounded in bytes per tenant.
//
// Per tenant because a compiler worker is as untrusted as any worker: what
// one tenant's source made a compiler produce must never be the code
// another tenant runs, so no entry is ever shared between tenants, even for
// the same source.
#pragma once

#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace stockade::supervisor {

// What a lowering produced: the ES5 program and, for each of its lines, the
// source line it came from (policy::MapLoweredLines).
struct LoweredProgram {
  std::string code;
  std::vector<std::uint32_t> lines;
  std::uint64_t bytes() const { return code.size() + lines.size() * sizeof(std::uint32_t); }
};

class LoweringCache {
 public:
  explicit LoweringCache(std::uint64_t bytes_per_tenant) : budget_(bytes_per_tenant) {}

  // The key of a lowering (what the compiler's output depends on).
  static std::string Key(std::string_view language, std::string_view filename, std::string_view source);

  // The cached program, or null; a hit becomes the most recently used.
  const LoweredProgram* Find(const std::string& tenant, const std::string& key);
  // Keeps `program`, evicting the tenant's least recently used entries to
  // stay within the budget; an entry larger than the whole budget is not
  // kept.
  void Insert(const std::string& tenant, std::string key, LoweredProgram program);
  // A new budget (policy reload); applies as entries are next inserted.
  void set_budget(std::uint64_t bytes_per_tenant) { budget_ = bytes_per_tenant; }

  std::uint64_t bytes(const std::string& tenant) const;
  std::size_t entries(const std::string& tenant) const;

 private:
  struct Entry {
    std::string key;
    LoweredProgram program;
    std::uint64_t bytes() const { return key.size() + program.bytes() + kOverheadBytes; }
  };
  struct Tenant {
    std::list<Entry> lru;  // most recently used first
    std::unordered_map<std::string_view, std::list<Entry>::iterator> index;  // views into Entry::key
    std::uint64_t bytes = 0;
  };
  // Bookkeeping per entry (list node, index slot), counted against the budget.
  static constexpr std::uint64_t kOverheadBytes = 128;

  std::uint64_t budget_;
  std::unordered_map<std::string, Tenant> tenants_;
};

}  // namespace stockade::supervisor
