#include "supervisor/execution_store.h"

#include <sys/random.h>

#include <cstdio>
#include <ctime>

namespace stockade::supervisor {

std::string NewExecutionId() {
  unsigned char bytes[16];
  std::size_t got = 0;
  while (got < sizeof bytes) {
    const ssize_t n = getrandom(bytes + got, sizeof bytes - got, 0);
    if (n > 0) got += static_cast<std::size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "ex_";
  for (unsigned char b : bytes) {
    id.push_back(kHex[b >> 4]);
    id.push_back(kHex[b & 15]);
  }
  return id;
}

std::string Rfc3339Now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

ExecutionStore::ExecutionStore(boost::asio::io_context& io, std::chrono::milliseconds retention,
                               std::size_t max_retained)
    : io_(io), retention_(retention), max_retained_(max_retained) {}

std::shared_ptr<ExecutionRecord> ExecutionStore::Create(const std::string& owner) {
  auto record = std::make_shared<ExecutionRecord>(io_);
  record->id = NewExecutionId();
  record->owner = owner;
  record->created_at = Rfc3339Now();
  records_[record->id] = record;
  ++in_flight_[owner];
  return record;
}

std::shared_ptr<ExecutionRecord> ExecutionStore::Find(const std::string& id,
                                                      const std::string& owner) const {
  auto it = records_.find(id);
  if (it == records_.end() || it->second->owner != owner) return nullptr;
  return it->second;
}

void ExecutionStore::MarkRunning(ExecutionRecord& record) {
  if (record.state != api::QUEUED) return;
  record.state = api::RUNNING;
  record.Notify();
}

void ExecutionStore::AddLine(ExecutionRecord& record, const api::ConsoleLine& line) {
  record.console.push_back(line);
  record.Notify();
}

void ExecutionStore::Finish(ExecutionRecord& record, api::ExecutionResult result) {
  if (record.state == api::DONE) return;
  record.state = api::DONE;
  record.result = std::move(result);
  record.finished_at = std::chrono::steady_clock::now();
  if (auto it = in_flight_.find(record.owner); it != in_flight_.end() && --it->second == 0) {
    in_flight_.erase(it);
  }
  finished_order_.push_back(record.id);
  record.Notify();
  Sweep();
}

std::uint32_t ExecutionStore::InFlight(const std::string& owner) const {
  auto it = in_flight_.find(owner);
  return it == in_flight_.end() ? 0 : it->second;
}

std::vector<std::shared_ptr<ExecutionRecord>> ExecutionStore::Unfinished() const {
  std::vector<std::shared_ptr<ExecutionRecord>> out;
  for (const auto& [id, record] : records_) {
    if (record->state != api::DONE) out.push_back(record);
  }
  return out;
}

void ExecutionStore::Sweep() {
  const auto now = std::chrono::steady_clock::now();
  while (!finished_order_.empty()) {
    auto it = records_.find(finished_order_.front());
    const bool expired = it == records_.end() || finished_order_.size() > max_retained_ ||
                         now - it->second->finished_at > retention_;
    if (!expired) break;
    if (it != records_.end()) records_.erase(it);
    finished_order_.pop_front();
  }
}

api::Execution ExecutionStore::ToApi(const ExecutionRecord& record) const {
  api::Execution out;
  out.set_id(record.id);
  out.set_state(record.state);
  out.set_created_at(record.created_at);
  if (record.state == api::DONE) *out.mutable_result() = record.result;
  return out;
}

}  // namespace stockade::supervisor
