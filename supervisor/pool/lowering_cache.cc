#include "supervisor/pool/lowering_cache.h"

namespace stockade::supervisor {

std::string LoweringCache::Key(std::string_view language, std::string_view filename, std::string_view source) {
  std::string key;
  key.reserve(language.size() + filename.size() + source.size() + 2);
  key.append(language).push_back('\0');
  key.append(filename).push_back('\0');
  key.append(source);
  return key;
}

const LoweredProgram* LoweringCache::Find(const std::string& tenant, const std::string& key) {
  auto t = tenants_.find(tenant);
  if (t == tenants_.end()) return nullptr;
  auto it = t->second.index.find(key);
  if (it == t->second.index.end()) return nullptr;
  t->second.lru.splice(t->second.lru.begin(), t->second.lru, it->second);
  return &it->second->program;
}

void LoweringCache::Insert(const std::string& tenant, std::string key, LoweredProgram program) {
  Entry entry{std::move(key), std::move(program)};
  if (entry.bytes() > budget_) return;
  Tenant& t = tenants_[tenant];
  if (auto old = t.index.find(entry.key); old != t.index.end()) {
    t.bytes -= old->second->bytes();
    auto node = old->second;
    t.index.erase(old);
    t.lru.erase(node);
  }
  while (!t.lru.empty() && t.bytes + entry.bytes() > budget_) {
    t.bytes -= t.lru.back().bytes();
    t.index.erase(t.lru.back().key);
    t.lru.pop_back();
  }
  t.bytes += entry.bytes();
  t.lru.push_front(std::move(entry));
  t.index.emplace(t.lru.front().key, t.lru.begin());
}

std::uint64_t LoweringCache::bytes(const std::string& tenant) const {
  auto t = tenants_.find(tenant);
  return t == tenants_.end() ? 0 : t->second.bytes;
}

std::size_t LoweringCache::entries(const std::string& tenant) const {
  auto t = tenants_.find(tenant);
  return t == tenants_.end() ? 0 : t->second.lru.size();
}

}  // namespace stockade::supervisor
