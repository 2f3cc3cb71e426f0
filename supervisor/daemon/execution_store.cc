#include "supervisor/daemon/execution_store.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "supervisor/common/random_id.h"

namespace stockade::supervisor {

namespace {

using Clock = std::chrono::steady_clock;

// What a record costs beyond its strings: the record and its timer, the
// map nodes and list entries that index it, the id and owner strings'
// allocations. Measured at a few hundred bytes; rounded up.
constexpr std::uint64_t kRecordOverheadBytes = 1024;

std::uint64_t OwnerHash(const std::string& owner) { return std::hash<std::string>{}(owner); }

// "ex_" + 32 hex digits -> 16 bytes; nullopt for anything else (such an id
// was never issued, so it has no tombstone).
std::optional<std::array<std::uint8_t, 16>> ParseId(const std::string& id) {
  if (id.size() != 35 || id.compare(0, 3, "ex_") != 0) return std::nullopt;
  std::array<std::uint8_t, 16> out{};
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < 16; ++i) {
    const int hi = nibble(id[3 + 2 * i]);
    const int lo = nibble(id[4 + 2 * i]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return out;
}

}  // namespace

const char* GoneReasonName(GoneReason reason) {
  switch (reason) {
    case GoneReason::kExpired: return "expired";
    case GoneReason::kDelivered: return "delivered";
    case GoneReason::kBytes: return "bytes";
    case GoneReason::kKeyShare: return "key_share";
    case GoneReason::kCount: return "count";
  }
  return "unknown";
}

std::string NewExecutionId() { return RandomId("ex_"); }

std::string Rfc3339Now() { return Rfc3339(static_cast<std::int64_t>(std::time(nullptr)) * 1000); }

std::string Rfc3339(std::int64_t unix_ms) {
  const std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::uint64_t RetainedBytes(const ExecutionRecord& record) {
  // The serialized size counts every string's bytes once, which is what
  // the strings hold; the console copy is dropped when a record finishes.
  return kRecordOverheadBytes + record.result.ByteSizeLong() +
         static_cast<std::uint64_t>(record.result.console_size()) * 64;
}

std::size_t ExecutionStore::IdHash::operator()(const IdBytes& id) const {
  std::uint64_t h;
  std::memcpy(&h, id.data(), sizeof h);  // ids are random: any 8 bytes hash well
  return static_cast<std::size_t>(h);
}

ExecutionStore::ExecutionStore(boost::asio::io_context& io, RetentionLimits limits)
    : io_(io), limits_(limits) {}

ExecutionStore::~ExecutionStore() {
  if (sweeper_) sweeper_->cancel();
}

std::shared_ptr<ExecutionRecord> ExecutionStore::Create(const std::string& owner) {
  auto record = std::make_shared<ExecutionRecord>(io_);
  record->id = NewExecutionId();
  record->owner = owner;
  record->created_at = Rfc3339Now();
  records_[record->id] = record;
  ++owners_[owner].in_flight;
  return record;
}

std::shared_ptr<ExecutionRecord> ExecutionStore::Find(const std::string& id, const std::string& owner) {
  auto it = records_.find(id);
  if (it == records_.end() || it->second->owner != owner) return nullptr;
  return it->second;
}

std::optional<GoneReason> ExecutionStore::Gone(const std::string& id, const std::string& owner) const {
  const auto key = ParseId(id);
  if (!key) return std::nullopt;
  auto it = tombstones_.find(*key);
  // Another key's tombstone is "not found", as its record was.
  if (it == tombstones_.end() || it->second.owner_hash != OwnerHash(owner)) return std::nullopt;
  return it->second.reason;
}

std::string ExecutionStore::GoneMessage(const std::string& id, GoneReason reason) const {
  const std::string head = "execution " + id + " is gone: ";
  switch (reason) {
    case GoneReason::kExpired:
      return head + "finished results are kept for daemon.result_retention_ms (" +
             std::to_string(limits_.retention.count()) + " ms)";
    case GoneReason::kDelivered:
      return head + "its result was answered to the synchronous request that created it and kept " +
             std::to_string(limits_.delivered_retention.count()) +
             " ms more (daemon.delivered_retention_ms)";
    case GoneReason::kBytes:
      return head + "evicted to keep retained results within daemon.max_retained_bytes (" +
             std::to_string(limits_.max_bytes) +
             " bytes in all); fetch results sooner or wait for them (\"wait\": true)";
    case GoneReason::kKeyShare:
      return head + "evicted to keep this key's retained results within "
             "daemon.max_retained_bytes_per_key (" + std::to_string(limits_.max_bytes_per_key) +
             " bytes); fetch results sooner or wait for them (\"wait\": true)";
    case GoneReason::kCount:
      return head + "evicted to keep at most daemon.max_retained (" +
             std::to_string(limits_.max_records) + ") finished executions";
  }
  return head + "dropped";
}

void ExecutionStore::MarkRunning(ExecutionRecord& record) {
  if (record.state != api::QUEUED) return;
  record.state = api::RUNNING;
  record.Notify();
}

void ExecutionStore::AddLine(ExecutionRecord& record, const api::ConsoleLine& line) {
  if (record.state == api::DONE) return;
  record.console.push_back(line);
  record.Notify();
}

void ExecutionStore::Finish(ExecutionRecord& record, api::ExecutionResult result) {
  if (record.state == api::DONE) return;
  record.state = api::DONE;
  record.result = std::move(result);
  // The result carries the same lines: keep one copy.
  std::vector<api::ConsoleLine>().swap(record.console);
  record.finished_at = Clock::now();
  auto owner = owners_.find(record.owner);
  if (owner != owners_.end() && owner->second.in_flight > 0) --owner->second.in_flight;
  if (records_.count(record.id) != 0) {
    // Still indexed (not dropped while running): start counting it.
    record.retained_bytes_ = RetainedBytes(record);
    retained_bytes_ += record.retained_bytes_;
    owner->second.bytes += record.retained_bytes_;
    record.by_age_ = by_age_.insert(by_age_.end(), &record);
    record.by_owner_ = owner->second.by_age.insert(owner->second.by_age.end(), &record);
  }
  record.Notify();
  Sweep();
}

void ExecutionStore::MarkDelivered(ExecutionRecord& record) {
  if (record.state != api::DONE || !record.by_age_ || record.delivered_) return;
  record.delivered_at_ = Clock::now();
  record.delivered_ = delivered_.insert(delivered_.end(), &record);
}

std::uint32_t ExecutionStore::InFlight(const std::string& owner) const {
  auto it = owners_.find(owner);
  return it == owners_.end() ? 0 : it->second.in_flight;
}

std::vector<std::shared_ptr<ExecutionRecord>> ExecutionStore::Unfinished() const {
  std::vector<std::shared_ptr<ExecutionRecord>> out;
  for (const auto& [id, record] : records_) {
    if (record->state != api::DONE) out.push_back(record);
  }
  return out;
}

void ExecutionStore::Forget(ExecutionRecord& record) {
  if (record.state != api::DONE) return;
  Unindex(record);
  const std::string id = record.id;
  records_.erase(id);  // may free `record`: last
}

void ExecutionStore::Drop(ExecutionRecord& record, GoneReason reason) {
  Unindex(record);
  Bury(record.id, record.owner, reason);
  if (on_gone_) on_gone_(reason);
  const std::string id = record.id;
  records_.erase(id);  // may free `record`: last
}

std::size_t ExecutionStore::MaxRecordsPerKey() const {
  if (limits_.max_bytes == 0 || limits_.max_bytes_per_key >= limits_.max_bytes) return limits_.max_records;
  const long double share = static_cast<long double>(limits_.max_bytes_per_key) / limits_.max_bytes;
  return std::max<std::size_t>(1, static_cast<std::size_t>(share * limits_.max_records));
}

// Waiters and streams may still hold the record: it is unindexed here and
// freed when the last of them lets go.
void ExecutionStore::Unindex(ExecutionRecord& record) {
  auto owner = owners_.find(record.owner);
  if (record.by_age_) by_age_.erase(*record.by_age_);
  if (record.delivered_) delivered_.erase(*record.delivered_);
  if (owner != owners_.end()) {
    if (record.by_owner_) owner->second.by_age.erase(*record.by_owner_);
    owner->second.bytes -= record.retained_bytes_;
    if (owner->second.bytes == 0 && owner->second.in_flight == 0 && owner->second.by_age.empty()) {
      owners_.erase(owner);
    }
  }
  record.by_age_.reset();
  record.by_owner_.reset();
  record.delivered_.reset();
  retained_bytes_ -= record.retained_bytes_;
  record.retained_bytes_ = 0;
}

void ExecutionStore::Bury(const std::string& id, const std::string& owner, GoneReason reason) {
  const auto key = ParseId(id);
  if (!key || limits_.max_tombstones == 0) return;
  while (tombstone_order_.size() >= limits_.max_tombstones) {
    tombstones_.erase(tombstone_order_.front());
    tombstone_order_.pop_front();
  }
  if (tombstones_.emplace(*key, Tombstone{OwnerHash(owner), reason}).second) {
    tombstone_order_.push_back(*key);
  }
}

void ExecutionStore::Sweep() {
  const auto now = Clock::now();
  while (!delivered_.empty() && now - delivered_.front()->delivered_at_ >= limits_.delivered_retention) {
    Drop(*delivered_.front(), GoneReason::kDelivered);
  }
  while (!by_age_.empty() && now - by_age_.front()->finished_at > limits_.retention) {
    Drop(*by_age_.front(), GoneReason::kExpired);
  }
  // A key over its share gives up its own oldest; then the oldest of all go
  // while the total is over. Only finished records are ever evicted.
  // (In bytes and in number: with the count shared by all, one key asking
  // for many small results would push out everyone else's.)
  const std::size_t max_records_per_key = MaxRecordsPerKey();
  // A share of the count that is the whole count is the count rule below.
  const bool count_shared = max_records_per_key < limits_.max_records;
  auto over_share = [&](const Owner& o) {
    return o.bytes > limits_.max_bytes_per_key || (count_shared && o.by_age.size() > max_records_per_key);
  };
  std::vector<std::string> over;
  for (const auto& [name, o] : owners_) {
    if (over_share(o)) over.push_back(name);
  }
  for (const std::string& name : over) {
    for (;;) {
      auto it = owners_.find(name);  // Drop may erase the owner
      if (it == owners_.end() || it->second.by_age.empty() || !over_share(it->second)) break;
      Drop(*it->second.by_age.front(), GoneReason::kKeyShare);
    }
  }
  while (!by_age_.empty() && retained_bytes_ > limits_.max_bytes) Drop(*by_age_.front(), GoneReason::kBytes);
  while (by_age_.size() > limits_.max_records) Drop(*by_age_.front(), GoneReason::kCount);
}

void ExecutionStore::StartSweeping() {
  if (!sweeper_) sweeper_ = std::make_unique<boost::asio::steady_timer>(io_);
  ScheduleSweep();
}

void ExecutionStore::ScheduleSweep() {
  sweeper_->expires_after(std::chrono::seconds(1));
  sweeper_->async_wait([this](boost::system::error_code ec) {
    if (ec) return;  // cancelled: the store is going away
    Sweep();
    ScheduleSweep();
  });
}

}  // namespace stockade::supervisor
