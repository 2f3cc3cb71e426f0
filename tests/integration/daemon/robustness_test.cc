// The daemon under misbehaving clients and dying workers: slow and stalled
// clients are cut off without blocking anyone else, clients that vanish
// mid-run leak nothing, idle keep-alive connections are closed, and under
// load with workers SIGKILLed at random every request still gets exactly one
// answer while the pool heals itself.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/daemon_support.h"

namespace stockade::testing {
namespace {

constexpr char kShortTimeouts[] = "daemon { read_timeout_ms: 300 idle_timeout_ms: 500 }";

std::size_t OpenFds(pid_t pid) {
  std::error_code ec;
  std::size_t n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
}

// Polls until the daemon's open descriptors drop to `limit` or fewer.
bool WaitFdsAtMost(pid_t pid, std::size_t limit, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (OpenFds(pid) > limit && Clock::now() < deadline) std::this_thread::sleep_for(50ms);
  return OpenFds(pid) <= limit;
}

// A cut-off client gets a 408 or (when the deadline closed the socket
// first) just the close; never anything else.
void ExpectNothingOr408(const std::string& got) {
  EXPECT_TRUE(got.empty() || got.rfind("HTTP/1.1 408 ", 0) == 0) << got;
}

TEST(DaemonRobustness, HalfARequestLineIsCutOff) {
  auto d = Daemon::Start({.policy_text = kShortTimeouts, .pool_size = 1});
  ASSERT_TRUE(d);
  Connection loris = Connection::Tcp(d->port());
  ASSERT_TRUE(loris.WriteRaw("POST /v1/execu"));
  // Others are served while the loris waits.
  Reply other = Post(*d, ExecBody("'served'", 5000));
  EXPECT_EQ(other.status, 200) << other.error << other.body;
  const auto started = Clock::now();
  bool closed = false;
  const std::string got = loris.ReadUntilClosed(15s, &closed);
  EXPECT_TRUE(closed) << "still open after 15 s";
  EXPECT_LT(Clock::now() - started, 10s);
  ExpectNothingOr408(got);
  EXPECT_EQ(Post(*d, ExecBody("1", 5000)).status, 200);
}

TEST(DaemonRobustness, ATricklingClientIsCutOffWhateverItsPace) {
  auto d = Daemon::Start({.policy_text = kShortTimeouts, .pool_size = 1});
  ASSERT_TRUE(d);
  // One header byte every 50 ms keeps the socket busy but never finishes
  // the request; the 300 ms budget runs from the first byte.
  Connection loris = Connection::Tcp(d->port());
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: " + std::string(400, 'a');
  const auto started = Clock::now();
  bool closed = false;
  std::string got;
  for (char c : request) {
    if (!loris.WriteRaw(std::string(1, c), 2s)) break;
    got += loris.ReadUntilClosed(50ms, &closed);
    if (closed || Clock::now() - started > 15s) break;
  }
  EXPECT_TRUE(closed) << "a trickling client kept its connection for " << request.size() << " bytes";
  EXPECT_LT(Clock::now() - started, 10s);
  ExpectNothingOr408(got);
}

TEST(DaemonRobustness, AStalledBodyIsCutOff) {
  auto d = Daemon::Start({.policy_text = kShortTimeouts, .pool_size = 1});
  ASSERT_TRUE(d);
  Connection c = Connection::Tcp(d->port());
  ASSERT_TRUE(c.WriteRaw("POST /v1/executions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"code\":"));
  bool closed = false;
  const std::string got = c.ReadUntilClosed(15s, &closed);
  EXPECT_TRUE(closed);
  ExpectNothingOr408(got);
  // Nothing ran for the partial request.
  EXPECT_EQ(MetricSum(Scrape(*d), "stockade_executions_total"), 0);
}

TEST(DaemonRobustness, IdleKeepAliveConnectionsAreClosed) {
  auto d = Daemon::Start({.policy_text = kShortTimeouts, .pool_size = 1});
  ASSERT_TRUE(d);
  Connection c = Connection::Tcp(d->port());
  Reply r = c.Request(http::verb::post, "/v1/executions", ExecBody("1", 5000));
  ASSERT_EQ(r.status, 200) << r.error;
  ASSERT_TRUE(r.keep_alive);
  const auto started = Clock::now();
  bool closed = false;
  c.ReadUntilClosed(15s, &closed);
  EXPECT_TRUE(closed) << "idle keep-alive connection still open after 15 s";
  EXPECT_LT(Clock::now() - started, 10s);
}

TEST(DaemonRobustness, ClientsThatVanishMidRunLeakNothing) {
  // No elastic growth: extra workers would hold descriptors of their own.
  auto d = Daemon::Start({.policy_text = "pool { size: 2 max_size: 2 }", .pool_size = 2});
  ASSERT_TRUE(d);
  ASSERT_TRUE(WaitPoolSize(*d, 2));
  // Settle the daemon's own descriptors first.
  ASSERT_EQ(Post(*d, ExecBody("0", 5000)).status, 200);
  const std::size_t fds_before = OpenFds(d->pid());
  const std::string slow = "var t = Date.now(); while (Date.now() - t < 300) {} console.log('x'); 'done'";
  for (int i = 0; i < 10; ++i) {
    // A synchronous run whose client leaves before the answer.
    Connection c = Connection::Tcp(d->port());
    ASSERT_TRUE(c.WriteRaw("POST /v1/executions HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                           std::to_string(ExecBody(slow, 5000).size()) + "\r\n\r\n" + ExecBody(slow, 5000)));
    c.Close();
  }
  for (int i = 0; i < 3; ++i) {
    // A stream whose client leaves after the first event.
    Reply r = Post(*d, ExecBody("console.log('first'); " + std::string(slow), 5000, false));
    ASSERT_EQ(r.status, 202);
    const std::string id = FromJson<api::Execution>(r.body).id();
    Connection c = Connection::Tcp(d->port());
    ASSERT_TRUE(c.WriteRaw("GET /v1/executions/" + id + "/events HTTP/1.1\r\nHost: x\r\n\r\n"));
    bool closed = false;
    std::string got;
    const auto deadline = Clock::now() + 10s;
    while (got.find("first") == std::string::npos && !closed && Clock::now() < deadline) {
      got += c.ReadUntilClosed(50ms, &closed);
    }
    EXPECT_NE(got.find("first"), std::string::npos) << got;
    c.Close();
  }
  // Every abandoned run still finishes, the pool is whole again, and the
  // daemon holds no more descriptors than before (a little slack for
  // respawned workers' pidfds).
  EXPECT_TRUE(WaitPoolSize(*d, 2, 30s));
  EXPECT_GE(MetricValue(Scrape(*d), "stockade_executions_total{status=\"OK\"}"), 14);
  EXPECT_TRUE(WaitFdsAtMost(d->pid(), fds_before + 4, 10s))
      << "before " << fds_before << ", now " << OpenFds(d->pid());
  Reply r = Post(*d, ExecBody("'alive'", 5000));
  EXPECT_EQ(r.status, 200) << r.error << r.body;
}

struct LoadCounts {
  std::atomic<int> sent{0};
  std::atomic<int> answered{0};
  std::atomic<int> extra{0};  // answers after the first, or bytes after it
  std::mutex mu;
  std::map<std::string, int> outcomes;  // "200 OK", "429", "503" ...
  std::vector<std::string> failures;
};

// One request per connection; afterwards the server must close the
// connection with nothing more on it.
void ClientLoop(const Daemon& d, Clock::time_point until, int seed, LoadCounts* counts) {
  std::mt19937 rng(seed);
  while (Clock::now() < until) {
    const int ms = 5 + static_cast<int>(rng() % 40);
    const std::string code = "var t = Date.now(); while (Date.now() - t < " + std::to_string(ms) + ") {} " +
                             std::to_string(ms);
    Connection c = Connection::Tcp(d.port());
    ++counts->sent;
    Reply r = c.Request(http::verb::post, "/v1/executions", ExecBody(code, 5000), "", 30s, false);
    std::string outcome = std::to_string(r.status);
    bool typed = false;
    if (r.status == 200) {
      const api::Execution e = FromJson<api::Execution>(r.body);
      typed = e.state() == api::DONE && e.result().status() != api::STATUS_UNSPECIFIED;
      outcome += " " + api::Status_Name(e.result().status());
      if (e.result().status() == api::OK && e.result().value_json() != std::to_string(ms)) typed = false;
    } else if (r.status == 429 || r.status == 503) {
      const api::ErrorResponse err = FromJson<api::ErrorResponse>(r.body);
      typed = err.status() != api::STATUS_UNSPECIFIED && !r.retry_after.empty();
      outcome += " " + api::Status_Name(err.status());
    }
    if (r.status != 0) ++counts->answered;
    bool closed = false;
    const std::string more = r.status ? c.ReadUntilClosed(5s, &closed) : "";
    if (!more.empty()) ++counts->extra;
    std::lock_guard<std::mutex> lock(counts->mu);
    ++counts->outcomes[outcome];
    if (!typed) counts->failures.push_back(outcome + " " + r.error + " " + r.body.substr(0, 300));
  }
}

TEST(DaemonRobustness, KillingWorkersUnderLoadLosesNoRequest) {
  constexpr std::uint32_t kPool = 3;
  auto d = Daemon::Start({.policy_text = "pool { size: 3 max_size: 3 }", .pool_size = kPool});
  ASSERT_TRUE(d);
  ASSERT_TRUE(WaitPoolSize(*d, kPool));
  const std::string before = Scrape(*d);

  LoadCounts counts;
  const auto until = Clock::now() + 2s;
  std::vector<std::thread> clients;
  for (int i = 0; i < 4; ++i) clients.emplace_back(ClientLoop, std::cref(*d), until, i + 1, &counts);
  int kills = 0;
  std::mt19937 rng(42);
  while (Clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(60 + rng() % 80));
    const std::vector<pid_t> workers = WorkersOf(d->pid());
    if (workers.empty()) continue;
    if (::kill(workers[rng() % workers.size()], SIGKILL) == 0) ++kills;
  }
  for (std::thread& t : clients) t.join();

  ASSERT_TRUE(d->Alive()) << d->log();
  std::string summary;
  for (const auto& [k, v] : counts.outcomes) summary += k + ": " + std::to_string(v) + "\n";
  summary = "sent " + std::to_string(counts.sent.load()) + ", answered " + std::to_string(counts.answered.load()) +
            ", workers killed " + std::to_string(kills) + "\n" + summary;
  std::printf("%s", summary.c_str());
  SCOPED_TRACE(summary);
  EXPECT_GT(kills, 3);
  EXPECT_GT(counts.sent.load(), 20);
  EXPECT_EQ(counts.answered.load(), counts.sent.load());
  EXPECT_EQ(counts.extra.load(), 0);
  for (const std::string& f : counts.failures) ADD_FAILURE() << "untyped answer: " << f;
  EXPECT_GT(counts.outcomes["200 OK"], 0);

  // The pool heals back to full size with live worker processes.
  // (The last kill may not have been noticed yet: poll both views.)
  api::Readiness r;
  const auto deadline = Clock::now() + 30s;
  bool healed = false;
  while (!healed && Clock::now() < deadline) {
    healed = WaitPoolSize(*d, kPool, 1s, &r) && WorkersOf(d->pid()).size() == kPool;
  }
  EXPECT_TRUE(healed) << r.DebugString() << "worker processes: " << WorkersOf(d->pid()).size();
  Reply ready = Get(*d, "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;

  const std::string after = Scrape(*d);
  const int ok200 = counts.outcomes["200 OK"];
  EXPECT_GE(MetricSum(after, "stockade_executions_total") - MetricSum(before, "stockade_executions_total"), ok200)
      << after;
  EXPECT_GE(MetricValue(after, "stockade_worker_recycles_total{reason=\"died\"}") -
                MetricValue(before, "stockade_worker_recycles_total{reason=\"died\"}"),
            1)
      << after;
  EXPECT_GE(MetricValue(after, "stockade_worker_spawn_seconds_count") -
                MetricValue(before, "stockade_worker_spawn_seconds_count"),
            1)
      << after;
  EXPECT_EQ(Post(*d, ExecBody("'still serving'", 5000)).status, 200);
}

}  // namespace
}  // namespace stockade::testing
