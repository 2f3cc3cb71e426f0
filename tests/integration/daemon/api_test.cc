// `stockade serve`'s HTTP/JSON API as a client sees it: the real daemon and
// real workers, driven over TCP and the Unix socket. Runs (sync, async,
// polled, streamed), cancellation, the typed HTTP errors, health and
// readiness, keep-alive.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/integration/daemon_support.h"

namespace stockade::testing {
namespace {

constexpr char kForever[] = "for (;;) {}";

struct SseEvent {
  std::string event;
  std::string data;
};

// "event: x\ndata: {...}\n\n" ... -> events in order.
std::vector<SseEvent> ParseSse(const std::string& body) {
  std::vector<SseEvent> out;
  std::size_t at = 0;
  while (at < body.size()) {
    const std::size_t end = body.find("\n\n", at);
    const std::string block = body.substr(at, end == std::string::npos ? std::string::npos : end - at);
    at = end == std::string::npos ? body.size() : end + 2;
    SseEvent e;
    std::size_t line_at = 0;
    while (line_at < block.size()) {
      const std::size_t nl = block.find('\n', line_at);
      const std::string line = block.substr(line_at, nl == std::string::npos ? std::string::npos : nl - line_at);
      line_at = nl == std::string::npos ? block.size() : nl + 1;
      if (line.rfind("event: ", 0) == 0) e.event = line.substr(7);
      if (line.rfind("data: ", 0) == 0) e.data += line.substr(6);
    }
    if (!e.event.empty()) out.push_back(e);
  }
  return out;
}

std::string AsyncId(const Daemon& d, const std::string& code, std::uint32_t timeout_ms = 0) {
  Reply r = Post(d, ExecBody(code, timeout_ms, false));
  EXPECT_EQ(r.status, 202) << r.error << r.body;
  return FromJson<api::Execution>(r.body).id();
}

TEST(DaemonApi, SyncRunAnswersTheWholeResult) {
  auto d = Daemon::Start();
  ASSERT_TRUE(d);
  Reply r = Post(*d, ExecBody("console.log('a'); console.error('b'); 6 * 7", 2000));
  ASSERT_EQ(r.status, 200) << r.error << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  const api::Execution e = FromJson<api::Execution>(r.body);
  EXPECT_EQ(e.id().rfind("ex_", 0), 0u) << e.id();
  EXPECT_EQ(e.id().size(), 3u + 32u) << e.id();
  EXPECT_EQ(e.state(), api::DONE);
  EXPECT_FALSE(e.created_at().empty());
  EXPECT_EQ(e.result().status(), api::OK) << r.body;
  EXPECT_EQ(e.result().value_json(), "42");
  ASSERT_EQ(e.result().console_size(), 2) << r.body;
  EXPECT_EQ(e.result().console(0).text(), "a");
  EXPECT_EQ(e.result().console(0).stream(), api::STDOUT);
  EXPECT_EQ(e.result().console(1).text(), "b");
  EXPECT_EQ(e.result().console(1).stream(), api::STDERR);
  EXPECT_EQ(e.result().effective_limits().timeout_ms(), 2000u);
  EXPECT_GT(e.result().metrics().run_time_us(), 0u);
  // Finished executions stay readable.
  Reply again = Get(*d, "/v1/executions/" + e.id());
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(FromJson<api::Execution>(again.body).result().value_json(), "42");
}

TEST(DaemonApi, TypeScriptAndModernJavaScriptAreLowered) {
  auto d = Daemon::Start();
  ASSERT_TRUE(d);
  Reply ts = Post(*d, "{\"code\":" + JsonString("const n: number = 40; [n + 2].map((x) => x)") +
                          ",\"language\":\"typescript\"}");
  ASSERT_EQ(ts.status, 200) << ts.error << ts.body;
  const api::Execution e = FromJson<api::Execution>(ts.body);
  EXPECT_EQ(e.result().status(), api::OK) << ts.body;
  EXPECT_EQ(e.result().value_json(), "[42]");
  EXPECT_TRUE(e.result().lowered());
  Reply js = Post(*d, ExecBody("const {a, ...r} = {a: 1, b: 2}; r", 5000));
  const api::Execution j = FromJson<api::Execution>(js.body);
  EXPECT_EQ(j.result().value_json(), "{\"b\":2}") << js.body;
  EXPECT_TRUE(j.result().lowered());
  Reply bad = Post(*d, "{\"code\":\"1\",\"language\":\"cobol\"}");
  EXPECT_EQ(bad.status, 400) << bad.body;
}

TEST(DaemonApi, ScriptOutcomesAre200WithTheirStatus) {
  auto d = Daemon::Start();
  ASSERT_TRUE(d);
  struct Case {
    std::string code;
    api::Status status;
  } cases[] = {
      {kForever, api::TIMEOUT},
      {"throw new TypeError('nope')", api::RUNTIME_ERROR},
      {"var = ;", api::SYNTAX_ERROR},
  };
  for (const Case& c : cases) {
    Reply r = Post(*d, ExecBody(c.code, 300));
    ASSERT_EQ(r.status, 200) << c.code << "\n" << r.error << r.body;
    const api::Execution e = FromJson<api::Execution>(r.body);
    EXPECT_EQ(e.state(), api::DONE);
    EXPECT_EQ(e.result().status(), c.status) << c.code << "\n" << r.body;
    EXPECT_FALSE(e.result().detail().empty()) << r.body;
  }
}

TEST(DaemonApi, AsyncRunIsPolledUntilDone) {
  auto d = Daemon::Start();
  ASSERT_TRUE(d);
  Reply r = Post(*d, ExecBody("var t = Date.now(); while (Date.now() - t < 300) {} 'later'", 5000, false));
  ASSERT_EQ(r.status, 202) << r.error << r.body;
  const api::Execution accepted = FromJson<api::Execution>(r.body);
  EXPECT_TRUE(accepted.state() == api::QUEUED || accepted.state() == api::RUNNING) << r.body;
  EXPECT_EQ(accepted.id().rfind("ex_", 0), 0u);
  const api::Execution done = WaitDone(*d, accepted.id());
  EXPECT_EQ(done.result().status(), api::OK);
  EXPECT_EQ(done.result().value_json(), "\"later\"");
}

TEST(DaemonApi, EventsStreamEveryLineInOrderThenTheResultThenEnds) {
  auto d = Daemon::Start();
  ASSERT_TRUE(d);
  const std::string id = AsyncId(*d, "for (var i = 0; i < 20; i++) console.log('line ' + i); 'end'", 5000);
  Connection c = Connection::Tcp(d->port());
  Reply r = c.Request(http::verb::get, "/v1/executions/" + id + "/events");
  ASSERT_EQ(r.status, 200) << r.error << r.body;
  EXPECT_EQ(r.content_type, "text/event-stream");
  const std::vector<SseEvent> events = ParseSse(r.body);
  ASSERT_EQ(events.size(), 21u) << r.body;
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(events[i].event, "console");
    EXPECT_EQ(FromJson<api::ConsoleLine>(events[i].data).text(), "line " + std::to_string(i));
  }
  EXPECT_EQ(events[20].event, "result");
  const api::ExecutionResult result = FromJson<api::ExecutionResult>(events[20].data);
  EXPECT_EQ(result.status(), api::OK);
  EXPECT_EQ(result.value_json(), "\"end\"");
  // The stream ended: the server closes the connection.
  bool closed = false;
  c.ReadUntilClosed(10s, &closed);
  EXPECT_TRUE(closed);
}

TEST(DaemonApi, SecretsAreRedactedInAnswersEventsAndLogs) {
  DaemonOptions o;
  o.extra_args = {"--log-code"};
  auto d = Daemon::Start(o);
  ASSERT_TRUE(d);
  const std::string code =
      "var key = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';\n"
      "console.log('charging with ' + key);\n"
      "if (this.fail) throw new Error('bad key ' + key);\n"
      "({stripe: {apiKey: key}, amount: 42})";
  const char kSecret[] = "4eC39HqLyjWDarjtT1zdp7dc";

  Reply sync = Post(*d, ExecBody(code, 5000));
  ASSERT_EQ(sync.status, 200) << sync.error << sync.body;
  EXPECT_EQ(sync.body.find(kSecret), std::string::npos) << sync.body;
  const api::Execution e = FromJson<api::Execution>(sync.body);
  EXPECT_EQ(e.result().value_json(), "{\"stripe\":{\"apiKey\":\"[REDACTED]\"},\"amount\":42}");
  EXPECT_EQ(e.result().console(0).text(), "charging with [REDACTED]");
  ASSERT_EQ(e.result().redactions().paths_size(), 1);
  EXPECT_EQ(e.result().redactions().paths(0), "$.stripe.apiKey");

  // The stored copy, the event stream and an error say no more.
  Reply again = Get(*d, "/v1/executions/" + e.id());
  EXPECT_EQ(again.body.find(kSecret), std::string::npos) << again.body;
  const std::string id = AsyncId(*d, "this.fail = true;\n" + code, 5000);
  Connection c = Connection::Tcp(d->port());
  Reply events = c.Request(http::verb::get, "/v1/executions/" + id + "/events");
  ASSERT_EQ(events.status, 200) << events.error << events.body;
  EXPECT_EQ(events.body.find(kSecret), std::string::npos) << events.body;
  EXPECT_NE(events.body.find("bad key [REDACTED]"), std::string::npos) << events.body;

  // The log has the redacted code (--log-code) and the detail, never the key.
  ASSERT_TRUE(d->WaitForLog("\"status\":\"RUNTIME_ERROR\"", 10s)) << d->log();
  EXPECT_EQ(d->log().find(kSecret), std::string::npos) << d->log();
  EXPECT_NE(d->log().find("var key = '[REDACTED]'"), std::string::npos) << d->log();
  EXPECT_NE(d->log().find("\"detail\":\"Error: bad key [REDACTED]"), std::string::npos) << d->log();
}

TEST(DaemonApi, EventsArriveWhileTheScriptStillRuns) {
  auto d = Daemon::Start();
  ASSERT_TRUE(d);
  const std::string id =
      AsyncId(*d, "console.log('early'); var t = Date.now(); while (Date.now() - t < 3000) {} 'late'", 20000);
  Connection c = Connection::Tcp(d->port());
  ASSERT_TRUE(c.WriteRaw("GET /v1/executions/" + id + "/events HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string got;
  bool closed = false;
  const auto deadline = Clock::now() + 15s;
  while (got.find("early") == std::string::npos && !closed && Clock::now() < deadline) {
    got += c.ReadUntilClosed(100ms, &closed);
  }
  ASSERT_NE(got.find("event: console"), std::string::npos) << got;
  EXPECT_EQ(got.find("event: result"), std::string::npos) << got;
  // The line was delivered before the run ended.
  Reply state = Get(*d, "/v1/executions/" + id);
  EXPECT_EQ(FromJson<api::Execution>(state.body).state(), api::RUNNING) << state.body;
  got += c.ReadUntilClosed(20s, &closed);
  EXPECT_TRUE(closed);
  EXPECT_NE(got.find("event: result"), std::string::npos) << got;
  EXPECT_NE(got.find("late"), std::string::npos) << got;
}

TEST(DaemonApi, CancelDropsAQueuedRunAndStopsARunningOne) {
  auto d = Daemon::Start({.policy_text = "pool { size: 1 max_size: 1 }", .pool_size = 1});
  ASSERT_TRUE(d);
  const std::string running = AsyncId(*d, kForever, 20000);
  ASSERT_TRUE(WaitRunning(*d, running));
  const std::string queued = AsyncId(*d, "'never ran'", 5000);
  {
    Reply r = Get(*d, "/v1/executions/" + queued);
    EXPECT_EQ(FromJson<api::Execution>(r.body).state(), api::QUEUED) << r.body;
  }
  Reply cq = Delete(*d, "/v1/executions/" + queued);
  ASSERT_EQ(cq.status, 200) << cq.error << cq.body;
  api::Execution e = FromJson<api::Execution>(cq.body);
  EXPECT_EQ(e.state(), api::DONE);
  EXPECT_EQ(e.result().status(), api::CANCELLED) << cq.body;
  EXPECT_EQ(e.result().value_json(), "");

  const auto started = Clock::now();
  Reply cr = Delete(*d, "/v1/executions/" + running);
  ASSERT_EQ(cr.status, 200) << cr.error << cr.body;
  e = FromJson<api::Execution>(cr.body);
  EXPECT_EQ(e.state(), api::DONE);
  EXPECT_EQ(e.result().status(), api::CANCELLED) << cr.body;
  EXPECT_LT(Clock::now() - started, 10s) << "cancel waited for the 20 s timeout";
  // Both stay cancelled, and the pool serves again.
  EXPECT_EQ(FromJson<api::Execution>(Get(*d, "/v1/executions/" + queued).body).result().status(), api::CANCELLED);
  EXPECT_EQ(FromJson<api::Execution>(Get(*d, "/v1/executions/" + running).body).result().status(), api::CANCELLED);
  Reply after = Post(*d, ExecBody("1 + 1", 5000));
  ASSERT_EQ(after.status, 200) << after.body;
  EXPECT_EQ(FromJson<api::Execution>(after.body).result().value_json(), "2");
}

TEST(DaemonApi, FullQueueIs429WithRetryAfter) {
  auto d = Daemon::Start({.policy_text = "pool { size: 1 max_size: 1 queue_capacity: 1 }", .pool_size = 1});
  ASSERT_TRUE(d);
  const std::string running = AsyncId(*d, kForever, 20000);
  ASSERT_TRUE(WaitRunning(*d, running));
  const std::string queued = AsyncId(*d, "1", 5000);
  for (bool wait : {false, true}) {
    Reply r = Post(*d, ExecBody("2", 5000, wait));
    ASSERT_EQ(r.status, 429) << r.error << r.body;
    EXPECT_FALSE(r.retry_after.empty());
    EXPECT_GE(std::atoi(r.retry_after.c_str()), 1) << r.retry_after;
    const api::ErrorResponse err = FromJson<api::ErrorResponse>(r.body);
    EXPECT_EQ(err.status(), api::QUEUE_FULL) << r.body;
    EXPECT_GT(err.retry_after_ms(), 0u);
    EXPECT_FALSE(err.message().empty());
  }
  EXPECT_EQ(Delete(*d, "/v1/executions/" + running).status, 200);
  EXPECT_EQ(WaitDone(*d, queued).result().status(), api::OK);
  EXPECT_EQ(Post(*d, ExecBody("3", 5000)).status, 200);
}

TEST(DaemonApi, BadRequestsGetTypedErrors) {
  auto d = Daemon::Start({.pool_size = 1});
  ASSERT_TRUE(d);
  struct Case {
    http::verb method;
    std::string target;
    std::string body;
    int http_status;
  } cases[] = {
      {http::verb::post, "/v1/executions", "{\"code\": ", 400},                    // malformed JSON
      {http::verb::post, "/v1/executions", "[1, 2]", 400},                         // not an object
      {http::verb::post, "/v1/executions", "{\"code\": \"1\", \"colour\": 1}", 400},  // unknown field
      {http::verb::post, "/v1/executions", "{\"code\": 5}", 400},                  // wrong type
      {http::verb::get, "/v1/executions/ex_00000000000000000000000000000000", "", 404},
      {http::verb::delete_, "/v1/executions/ex_00000000000000000000000000000000", "", 404},
      {http::verb::get, "/v1/executions/ex_00000000000000000000000000000000/events", "", 404},
      {http::verb::get, "/v2/executions", "", 404},
      {http::verb::get, "/nope", "", 404},
      {http::verb::get, "/v1/executions", "", 405},
      {http::verb::put, "/v1/executions", "{}", 405},
  };
  for (const Case& c : cases) {
    Reply r = Call(*d, c.method, c.target, c.body);
    EXPECT_EQ(r.status, c.http_status) << c.method << " " << c.target << " " << c.body << "\n" << r.error << r.body;
    EXPECT_EQ(r.content_type, "application/json") << c.target;
    const api::ErrorResponse err = FromJson<api::ErrorResponse>(r.body);
    EXPECT_EQ(err.status(), api::INVALID_REQUEST) << r.body;
    EXPECT_FALSE(err.message().empty()) << r.body;
  }
  EXPECT_EQ(Post(*d, ExecBody("'still fine'", 5000)).status, 200);
}

TEST(DaemonApi, OversizedBodyAndCodeAre413) {
  auto d = Daemon::Start({.pool_size = 1});
  ASSERT_TRUE(d);
  // Over daemon.max_body_bytes (1 MiB).
  Reply body = Post(*d, ExecBody("'" + std::string(1100 * 1024, 'x') + "'"));
  EXPECT_EQ(body.status, 413) << body.error << body.body.substr(0, 300);
  EXPECT_EQ(FromJson<api::ErrorResponse>(body.body).status(), api::INVALID_REQUEST);
  // Under the body cap, over limits.code_bytes (100 KB).
  Reply code = Post(*d, ExecBody("'" + std::string(200 * 1024, 'x') + "'"));
  EXPECT_EQ(code.status, 413) << code.error << code.body.substr(0, 300);
  EXPECT_EQ(FromJson<api::ErrorResponse>(code.body).status(), api::INVALID_REQUEST);
  // A declared length over the cap is refused before the body is sent.
  Connection c = Connection::Tcp(d->port());
  ASSERT_TRUE(c.WriteRaw("POST /v1/executions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         "Content-Length: 104857600\r\n\r\n{\"code\":\""));
  Reply early = c.ReadReply(10s);
  EXPECT_EQ(early.status, 413) << early.error << early.body;
  EXPECT_EQ(Post(*d, ExecBody("1", 5000)).status, 200);
}

TEST(DaemonApi, HealthReadinessAndMetrics) {
  auto d = Daemon::Start({.pool_size = 2});
  ASSERT_TRUE(d);
  Reply h = Get(*d, "/healthz");
  EXPECT_EQ(h.status, 200) << h.error << h.body;
  api::Readiness r;
  ASSERT_TRUE(WaitPoolSize(*d, 2, 20s, &r)) << r.DebugString();
  Reply ready = Get(*d, "/readyz");
  ASSERT_EQ(ready.status, 200) << ready.body;
  r = FromJson<api::Readiness>(ready.body);
  EXPECT_TRUE(r.ready());
  EXPECT_FALSE(r.draining());
  EXPECT_EQ(r.idle_workers() + r.busy_workers(), 2u) << ready.body;
  EXPECT_EQ(r.queued(), 0u);
  EXPECT_EQ(r.policy(), "default");
  EXPECT_TRUE(r.confinement().seccomp()) << ready.body;
  EXPECT_TRUE(r.confinement().seccomp_mode() == "user-notify" || r.confinement().seccomp_mode() == "kill")
      << ready.body;
  EXPECT_TRUE(r.confinement().cgroup() == "v1" || r.confinement().cgroup() == "v2" ||
              r.confinement().cgroup() == "none")
      << ready.body;
  EXPECT_FALSE(r.confinement().identity().empty()) << ready.body;
  EXPECT_FALSE(r.confinement().namespaces().empty()) << ready.body;
  // The kernel's view of an idle worker, the same checks as `selftest`:
  // every one present is PASS or UNAVAILABLE, and namespaces are among them.
  ASSERT_GT(r.checks_size(), 10) << ready.body;
  int namespace_checks = 0;
  for (const api::ConfinementCheck& c : r.checks()) {
    EXPECT_NE(c.result(), "FAIL") << c.name() << ": " << c.detail();
    namespace_checks += c.name().rfind("namespace: ", 0) == 0;
  }
  EXPECT_EQ(namespace_checks, 7) << ready.body;
  Reply m = Get(*d, "/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.content_type.rfind("text/plain", 0), 0u) << m.content_type;
  EXPECT_NE(m.body.find("# TYPE stockade_executions_total counter"), std::string::npos) << m.body;
  EXPECT_EQ(MetricSum(m.body, "stockade_workers"), 2) << m.body;
  EXPECT_EQ(MetricValue(m.body, "stockade_queue_depth"), 0) << m.body;
}

TEST(DaemonApi, KeepAliveServesManyRequestsOnOneConnection) {
  auto d = Daemon::Start();
  ASSERT_TRUE(d);
  Connection c = Connection::Tcp(d->port());
  ASSERT_TRUE(c.connected()) << c.connect_error();
  for (int i = 0; i < 5; ++i) {
    Reply run = c.Request(http::verb::post, "/v1/executions", ExecBody(std::to_string(i) + " * 2", 5000));
    ASSERT_EQ(run.status, 200) << i << " " << run.error << run.body;
    EXPECT_TRUE(run.keep_alive);
    const api::Execution e = FromJson<api::Execution>(run.body);
    EXPECT_EQ(e.result().value_json(), std::to_string(i * 2));
    Reply get = c.Request(http::verb::get, "/v1/executions/" + e.id());
    ASSERT_EQ(get.status, 200) << get.error;
    Reply err = c.Request(http::verb::get, "/v1/executions/ex_unknown");
    ASSERT_EQ(err.status, 404) << err.error;
    Reply ready = c.Request(http::verb::get, "/readyz");
    ASSERT_EQ(ready.status, 200) << ready.error;
  }
  // A client's "close" is honoured.
  Reply last = c.Request(http::verb::get, "/healthz", "", "", 10s, /*keep_alive=*/false);
  EXPECT_EQ(last.status, 200);
  bool closed = false;
  c.ReadUntilClosed(10s, &closed);
  EXPECT_TRUE(closed);
}

TEST(DaemonApi, UnixSocketServesTheSameApi) {
  auto d = Daemon::Start();
  ASSERT_TRUE(d);
  Connection c = Connection::Unix(d->unix_path());
  ASSERT_TRUE(c.connected()) << c.connect_error();
  Reply sync = c.Request(http::verb::post, "/v1/executions", ExecBody("console.log('u'); 'unix'", 5000));
  ASSERT_EQ(sync.status, 200) << sync.error << sync.body;
  api::Execution e = FromJson<api::Execution>(sync.body);
  EXPECT_EQ(e.result().value_json(), "\"unix\"");
  ASSERT_EQ(e.result().console_size(), 1);
  Reply async = c.Request(http::verb::post, "/v1/executions", ExecBody("'later'", 5000, false));
  ASSERT_EQ(async.status, 202) << async.error << async.body;
  const std::string id = FromJson<api::Execution>(async.body).id();
  // The same store behind both listeners.
  EXPECT_EQ(WaitDone(*d, id).result().value_json(), "\"later\"");
  Reply stream = c.Request(http::verb::get, "/v1/executions/" + e.id() + "/events");
  ASSERT_EQ(stream.status, 200) << stream.error;
  const std::vector<SseEvent> events = ParseSse(stream.body);
  ASSERT_EQ(events.size(), 2u) << stream.body;
  EXPECT_EQ(events[0].event, "console");
  EXPECT_EQ(events[1].event, "result");
  Connection c2 = Connection::Unix(d->unix_path());
  EXPECT_EQ(c2.Request(http::verb::get, "/readyz").status, 200);
}

}  // namespace
}  // namespace stockade::testing
