// The daemon's memory and connections are bounded, whatever one client does:
// results of several MiB requested in a loop keep the daemon's RSS under its
// retention bound plus a fixed overhead (older results answer 410 Gone);
// a thousand connections that never speak, under a 256-descriptor limit, do
// not keep a real client from being served; with every connection busy at
// the cap, a new one is refused with a typed 503; request bodies and large
// replies share one byte budget.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/daemon_support.h"

namespace stockade::testing {
namespace {

std::uint64_t RssBytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

// A bare TCP connection that never sends a byte: one descriptor, no more.
int ConnectRaw(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

struct Fds {
  std::vector<int> fds;
  ~Fds() {
    for (int fd : fds) ::close(fd);
  }
};

void RaiseOwnFdLimit() {
  rlimit lim{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &lim), 0);
  lim.rlim_cur = lim.rlim_max;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lim), 0);
  if (lim.rlim_cur < 2000) GTEST_SKIP() << "this test needs 2000 descriptors; the hard limit is " << lim.rlim_cur;
}

constexpr std::uint64_t kMiB = 1024 * 1024;

TEST(DaemonBounds, LargeResultsInALoopKeepRssUnderTheRetentionBound) {
  constexpr std::uint64_t kRetained = 32 * kMiB;
  // Delivered results are kept as long as the others, so the byte bound
  // (not the short delivered window) is what keeps memory in check.
  auto d = Daemon::Start({.policy_text = "daemon { max_retained_bytes: 33554432 max_retained_bytes_per_key: "
                                         "33554432 delivered_retention_ms: 600000 }",
                          .pool_size = 2});
  ASSERT_TRUE(d);
  const std::uint64_t rss_at_start = RssBytes(d->pid());
  std::vector<std::string> ids;
  std::uint64_t peak = 0;
  const auto until = Clock::now() + 6s;
  int n = 0;
  while (Clock::now() < until) {
    // 4 MiB results, one sync and one async in turn.
    const bool wait = n++ % 2 == 0;
    Reply r = Post(*d, "{\"code\": \"'x'.repeat(4194304)\", \"wait\": " + std::string(wait ? "true" : "false") + "}");
    ASSERT_TRUE(r.status == 200 || r.status == 202) << r.status << r.error << r.body.substr(0, 300);
    ids.push_back(FromJson<api::Execution>(r.body).id());
    peak = std::max(peak, RssBytes(d->pid()));
  }
  ASSERT_GE(ids.size(), 12u) << "too few runs to pass the bound";
  // Wait for the last async ones to finish, then measure once more.
  WaitDone(*d, ids.back());
  peak = std::max(peak, RssBytes(d->pid()));
  // The fixed overhead: what the daemon holds at start, plus one result in
  // flight several times over (frame, filter, JSON rendering, the reply).
  const std::uint64_t bound = rss_at_start + kRetained + 48 * kMiB;
  EXPECT_LT(peak, bound) << "peak RSS " << peak / kMiB << " MiB after " << ids.size() << " results of 4 MiB; start "
                         << rss_at_start / kMiB << " MiB";

  const std::string scrape = Scrape(*d);
  EXPECT_LE(MetricValue(scrape, "stockade_retained_bytes"), static_cast<double>(kRetained));
  EXPECT_GT(MetricSum(scrape, "stockade_retained_evictions_total"), 0) << scrape;

  // The oldest are gone with a reason; the newest is there.
  Reply old = Get(*d, "/v1/executions/" + ids.front());
  EXPECT_EQ(old.status, 410) << old.body;
  EXPECT_NE(old.body.find("max_retained_bytes"), std::string::npos) << old.body;
  EXPECT_EQ(Get(*d, "/v1/executions/" + ids.back()).status, 200);
  // An id never issued is still 404.
  EXPECT_EQ(Get(*d, "/v1/executions/ex_0123456789abcdef0123456789abcdef").status, 404);
}

TEST(DaemonBounds, ARealClientIsServedWhileAThousandIdleConnectionsAreHeld) {
  RaiseOwnFdLimit();
  if (::testing::Test::IsSkipped()) return;
  if (!std::filesystem::exists("/usr/bin/prlimit")) GTEST_SKIP() << "needs prlimit (util-linux)";
  // read_timeout_ms is long, so what frees room is shedding, not timeouts.
  auto d = Daemon::Start({.policy_text = "pool { size: 2 max_size: 2 } daemon { read_timeout_ms: 60000 }",
                          .pool_size = 2,
                          .unix_socket = false,
                          .prefix = {"/usr/bin/prlimit", "--nofile=256:256", "--"}});
  ASSERT_TRUE(d);
  Fds idle;
  for (int i = 0; i < 1000; ++i) {
    const int fd = ConnectRaw(d->port());
    ASSERT_GE(fd, 0) << "connect " << i << ": " << std::strerror(errno);
    idle.fds.push_back(fd);
  }
  std::this_thread::sleep_for(200ms);
  const auto started = Clock::now();
  Reply r = Post(*d, ExecBody("6 * 7", 5000));
  const auto took = Clock::now() - started;
  ASSERT_EQ(r.status, 200) << r.error << r.body << "\n" << d->log();
  EXPECT_NE(r.body.find("\"valueJson\":\"42\""), std::string::npos) << r.body;
  EXPECT_LT(took, 1s) << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";

  const std::string scrape = Scrape(*d);
  EXPECT_EQ(MetricValue(scrape, "stockade_connections{kind=\"max\"}"), 256 - 64 - 2 * 10) << scrape;
  EXPECT_GT(MetricValue(scrape, "stockade_connections_shed_total"), 0) << scrape;
  EXPECT_EQ(d->log().find("accept_failed"), std::string::npos) << d->log();
  // And the pool is still whole: descriptors were kept for the workers.
  EXPECT_EQ(Post(*d, ExecBody("1", 5000)).status, 200);
}

TEST(DaemonBounds, WithEveryConnectionBusyAtTheCapANewOneIsRefusedWith503) {
  auto d = Daemon::Start({.policy_text = "daemon { max_connections: 16 read_timeout_ms: 20000 }",
                          .pool_size = 1,
                          .unix_socket = false});
  ASSERT_TRUE(d);
  // Each has started a request and not finished it: busy, never shed.
  std::vector<Connection> busy;
  for (int i = 0; i < 16; ++i) {
    busy.push_back(Connection::Tcp(d->port()));
    ASSERT_TRUE(busy.back().WriteRaw("GET /healthz HTTP/1.1\r\n"));
  }
  std::this_thread::sleep_for(300ms);
  Connection extra = Connection::Tcp(d->port());
  bool closed = false;
  const std::string got = extra.ReadUntilClosed(5s, &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(got.rfind("HTTP/1.1 503 ", 0), 0u) << got;
  EXPECT_NE(got.find("Retry-After: 1"), std::string::npos) << got;
  EXPECT_NE(got.find("\"status\":\"QUEUE_FULL\""), std::string::npos) << got;
  // One finishes its request: it is served, and once it is idle there is room.
  ASSERT_TRUE(busy[0].WriteRaw("Host: x\r\n\r\n"));
  Reply served = busy[0].ReadReply(5s);
  EXPECT_EQ(served.status, 200) << served.error;
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(Get(*d, "/healthz").status, 200);
  EXPECT_EQ(MetricValue(Scrape(*d), "stockade_connections_refused_total{reason=\"cap\"}"), 1);
}

TEST(DaemonBounds, BodiesAndLargeRepliesShareOneByteBudget) {
  // 1.5 MiB in all; one body may be 1 MiB.
  auto d = Daemon::Start({.policy_text = "limits { code_bytes: 800000 } daemon { max_body_bytes: 1048576 "
                                         "max_buffered_bytes: 1572864 read_timeout_ms: 20000 "
                                         "delivered_retention_ms: 600000 }",
                          .pool_size = 1});
  ASSERT_TRUE(d);
  Reply big = Post(*d, "{\"code\": \"'y'.repeat(3000000)\", \"wait\": true}");
  ASSERT_EQ(big.status, 200) << big.error << big.body.substr(0, 300);
  const std::string id = FromJson<api::Execution>(big.body).id();

  // A slow client holds a lease for its 1,000,000-byte body.
  Connection slow = Connection::Tcp(d->port());
  ASSERT_TRUE(slow.WriteRaw("POST /v1/executions HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n{\"code\": \""));
  std::this_thread::sleep_for(200ms);

  // What does not fit beside it is refused, typed, with a retry hint.
  Reply body = Post(*d, ExecBody("/*" + std::string(700000, ' ') + "*/ 1", 5000));
  EXPECT_EQ(body.status, 503) << body.body;
  EXPECT_EQ(body.retry_after, "1");
  EXPECT_NE(body.body.find("QUEUE_FULL"), std::string::npos) << body.body;
  EXPECT_NE(body.body.find("max_buffered_bytes"), std::string::npos) << body.body;
  Reply reply = Get(*d, "/v1/executions/" + id);
  EXPECT_EQ(reply.status, 503) << reply.body.substr(0, 300);
  // Small requests are not held up.
  EXPECT_EQ(Post(*d, ExecBody("1", 5000)).status, 200);

  // The slow client finishes (its body is bad JSON: a typed 400), the
  // budget is free again, and both go through.
  ASSERT_TRUE(slow.WriteRaw(std::string(1000000 - 10, 'a')));
  EXPECT_EQ(slow.ReadReply(10s).status, 400);
  EXPECT_EQ(Get(*d, "/v1/executions/" + id).status, 200);
  EXPECT_EQ(Post(*d, ExecBody("/*" + std::string(700000, ' ') + "*/ 1", 5000)).status, 200);
  EXPECT_GT(MetricValue(Scrape(*d), "stockade_rejections_total{reason=\"buffers_full\"}"), 0);
}

TEST(DaemonBounds, SlowReadersOfALargeEventStreamHoldOneRenderingAtATime) {
  // 12 MiB for bodies and replies; the result is 9 MB, more than the
  // kernel buffers of a reader with a small receive window take, so a
  // stream's write blocks with its rendering held. Only one stream at a
  // time may hold one, however many never read.
  auto d = Daemon::Start({.policy_text = "daemon { max_buffered_bytes: 12582912 read_timeout_ms: 20000 "
                                         "delivered_retention_ms: 600000 }",
                          .pool_size = 1});
  ASSERT_TRUE(d);
  Reply big = Post(*d, "{\"code\": \"'z'.repeat(9000000)\", \"wait\": true}");
  ASSERT_EQ(big.status, 200) << big.error << big.body.substr(0, 300);
  const std::string id = FromJson<api::Execution>(big.body).id();
  const std::string request = "GET /v1/executions/" + id + "/events HTTP/1.1\r\nHost: x\r\n\r\n";
  Fds readers;
  for (int i = 0; i < 10; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    readers.fds.push_back(fd);
    const int small = 4096;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(d->port());
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << std::strerror(errno);
    ASSERT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL), static_cast<ssize_t>(request.size()));
  }
  std::this_thread::sleep_for(500ms);
  const std::string scrape = Scrape(*d);
  const double buffered = MetricValue(scrape, "stockade_buffered_bytes");
  EXPECT_GT(buffered, 8.9e6) << "no stream is holding the result's rendering";
  EXPECT_LT(buffered, 2 * 8.9e6) << "two renderings held at once";
  // Small requests go on being served meanwhile; a large reply waits its turn.
  EXPECT_EQ(Post(*d, ExecBody("1", 5000)).status, 200);
  EXPECT_EQ(Get(*d, "/v1/executions/" + id).status, 503);
  // The slow readers go away: their leases come back.
  for (int fd : readers.fds) ::close(fd);
  readers.fds.clear();
  bool served = false;
  for (int i = 0; i < 100 && !served; ++i) {
    served = Get(*d, "/v1/executions/" + id).status == 200;
    if (!served) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(served) << "the budget did not come back";
}

TEST(DaemonBounds, ChunkSizeLinesAndTrailersCannotGrowTheReadBuffer) {
  auto d = Daemon::Start({.policy_text = "daemon { read_timeout_ms: 20000 }", .pool_size = 1});
  ASSERT_TRUE(d);
  const std::uint64_t rss_at_start = RssBytes(d->pid());
  for (const std::string& head : {std::string("1;"), std::string("0\r\nX-Trailer: ")}) {
    Connection c = Connection::Tcp(d->port());
    ASSERT_TRUE(c.WriteRaw("POST /v1/executions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + head));
    // Endless bytes of one chunk-size line or trailer: the daemon must stop
    // reading long before these 8 MiB (the client may see its writes fail).
    for (int i = 0; i < 128 && c.WriteRaw(std::string(64 * 1024, 'a'), 2s); ++i) {
    }
    bool closed = false;
    const std::string got = c.ReadUntilClosed(5s, &closed);
    EXPECT_TRUE(closed);
    EXPECT_TRUE(got.empty() || got.rfind("HTTP/1.1 400 ", 0) == 0) << got.substr(0, 200);
  }
  EXPECT_LT(RssBytes(d->pid()), rss_at_start + 8 * kMiB);
  EXPECT_EQ(Post(*d, ExecBody("1", 5000)).status, 200);
}

TEST(DaemonBounds, ALargeBodyWithoutAValidKeyIsRefusedBeforeItIsRead) {
  auto d = Daemon::Start({.api_keys_text = "sk-test-0123456789abcdef alice\n", .pool_size = 1});
  ASSERT_TRUE(d);
  Connection c = Connection::Tcp(d->port());
  // Declared, never sent: a key-less client must not hold the budget.
  ASSERT_TRUE(c.WriteRaw("POST /v1/executions HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n"));
  Reply r = c.ReadReply(5s);
  EXPECT_EQ(r.status, 401) << r.error << r.body;
  EXPECT_EQ(MetricValue(Scrape(*d), "stockade_buffered_bytes"), 0);
  // With the key, a small request goes through as ever.
  EXPECT_EQ(Post(*d, ExecBody("1", 5000), "sk-test-0123456789abcdef").status, 200);
}

TEST(DaemonBounds, AKeyHoldsAtMostItsShareOfEventStreams) {
  auto d = Daemon::Start({.policy_text = "daemon { max_streams_per_key: 2 }", .pool_size = 1});
  ASSERT_TRUE(d);
  Reply run = Post(*d, "{\"code\": \"var t = Date.now(); while (Date.now() - t < 3000) {} 1\", \"wait\": false}");
  ASSERT_EQ(run.status, 202) << run.body;
  const std::string id = FromJson<api::Execution>(run.body).id();
  const std::string events = "/v1/executions/" + id + "/events";
  std::vector<Connection> streams;
  for (int i = 0; i < 2; ++i) {
    streams.push_back(Connection::Tcp(d->port()));
    ASSERT_TRUE(streams.back().WriteRaw("GET " + events + " HTTP/1.1\r\nHost: x\r\n\r\n"));
  }
  std::this_thread::sleep_for(300ms);
  Reply third = Get(*d, events, "", 10s);
  EXPECT_EQ(third.status, 429) << third.body.substr(0, 300);
  EXPECT_NE(third.body.find("max_streams_per_key"), std::string::npos) << third.body;
  EXPECT_EQ(third.retry_after, "1");
  // The run ends, so do its streams, and the key may stream again.
  WaitDone(*d, id);
  streams.clear();
  std::this_thread::sleep_for(300ms);
  Reply again = Get(*d, events, "", 10s);
  EXPECT_EQ(again.status, 200) << again.body.substr(0, 300);
}

}  // namespace
}  // namespace stockade::testing
