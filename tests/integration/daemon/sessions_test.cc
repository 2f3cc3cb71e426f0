// Sessions through `stockade serve`'s HTTP API, as a client sees them: the
// real daemon, real workers and the SQLite store on disk. Routes and their
// answers, state across runs, failed runs leaving the session as it was,
// one run at a time (queued, then 409), keys kept apart, a worker killed
// mid-run, the daemon killed mid-stream and restarted, and a store that
// cannot be used at start.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/daemon_support.h"

namespace stockade::testing {
namespace {

constexpr char kKeys[] =
    "alpha-0123456789abcdef alice\n"
    "bravo-fedcba9876543210 bob\n";
constexpr char kAlice[] = "alpha-0123456789abcdef";
constexpr char kBob[] = "bravo-fedcba9876543210";

api::Session NewSession(const Daemon& d, const std::string& key = "") {
  Reply r = Call(d, http::verb::post, "/v1/sessions", "", key);
  EXPECT_EQ(r.status, 201) << r.error << r.body;
  return FromJson<api::Session>(r.body);
}

std::string SessionBody(const std::string& session, const std::string& code, std::optional<bool> wait = {},
                        std::uint32_t timeout_ms = 0) {
  std::string body = "{\"code\":" + JsonString(code) + ",\"sessionId\":" + JsonString(session);
  if (timeout_ms) body += ",\"limits\":{\"timeoutMs\":" + std::to_string(timeout_ms) + "}";
  if (wait) body += std::string(",\"wait\":") + (*wait ? "true" : "false");
  return body + "}";
}

// A synchronous run in the session; its result (the test fails on a non-200).
api::ExecutionResult RunIn(const Daemon& d, const std::string& session, const std::string& code,
                           const std::string& key = "") {
  Reply r = Post(d, SessionBody(session, code), key);
  EXPECT_EQ(r.status, 200) << code << "\n" << r.error << r.body;
  return FromJson<api::Execution>(r.body).result();
}

api::SessionHistory HistoryOf(const Daemon& d, const std::string& session, const std::string& key = "") {
  Reply r = Get(d, "/v1/sessions/" + session + "/history", key);
  EXPECT_EQ(r.status, 200) << r.error << r.body;
  return FromJson<api::SessionHistory>(r.body);
}

TEST(DaemonSessions, StateHistoryAndMetadataAcrossRuns) {
  auto d = Daemon::Start();
  ASSERT_TRUE(d);
  const api::Session s = NewSession(*d);
  EXPECT_EQ(s.id().rfind("se_", 0), 0u) << s.id();
  EXPECT_EQ(s.id().size(), 3u + 32u);
  EXPECT_FALSE(s.created_at().empty());
  EXPECT_GT(s.expires_at(), s.created_at());
  EXPECT_EQ(s.executions(), 0u);

  api::ExecutionResult r = RunIn(*d, s.id(), "var rows = [1, 2, 3]; let total = 6; rows.length");
  ASSERT_EQ(r.status(), api::OK) << r.DebugString();
  EXPECT_EQ(r.value_json(), "3");
  EXPECT_EQ(r.session().id(), s.id());
  EXPECT_TRUE(r.session().committed());
  EXPECT_EQ(r.session().variables(), 2u);
  EXPECT_GT(r.session().state_bytes(), 0u);

  // The next run, on whichever worker, sees the bindings and `_`.
  r = RunIn(*d, s.id(), "rows.push(4); total += 4; [rows.length, total, _]");
  ASSERT_EQ(r.status(), api::OK) << r.DebugString();
  EXPECT_EQ(r.value_json(), "[4,10,3]");
  // A run without a value keeps `_` as it was.
  r = RunIn(*d, s.id(), "var unused = 1;");
  ASSERT_EQ(r.status(), api::OK) << r.DebugString();
  r = RunIn(*d, s.id(), "_");
  EXPECT_EQ(r.value_json(), "[4,10,3]");

  Reply got = Get(*d, "/v1/sessions/" + s.id());
  ASSERT_EQ(got.status, 200) << got.body;
  const api::Session meta = FromJson<api::Session>(got.body);
  EXPECT_EQ(meta.executions(), 4u);
  EXPECT_GT(meta.state_bytes(), 0u);
  std::set<std::string> names;
  for (const auto& v : meta.variables()) {
    names.insert(v.name());
    EXPECT_GT(v.bytes(), 0u) << v.name();
  }
  EXPECT_EQ(names, (std::set<std::string>{"rows", "total", "unused"})) << got.body;
  EXPECT_GE(meta.last_active_at(), meta.created_at());

  const api::SessionHistory h = HistoryOf(*d, s.id());
  ASSERT_EQ(h.records_size(), 4) << h.DebugString();
  EXPECT_EQ(h.session_id(), s.id());
  for (int i = 0; i < 4; ++i) EXPECT_EQ(h.records(i).seq(), static_cast<std::uint64_t>(i + 1));
  EXPECT_EQ(h.records(1).code(), "rows.push(4); total += 4; [rows.length, total, _]");
  EXPECT_EQ(h.records(1).result().value_json(), "[4,10,3]");
  EXPECT_FALSE(h.records(0).at().empty());
  Reply last = Get(*d, "/v1/sessions/" + s.id() + "/history?limit=1");
  ASSERT_EQ(last.status, 200) << last.body;
  const api::SessionHistory one = FromJson<api::SessionHistory>(last.body);
  ASSERT_EQ(one.records_size(), 1);
  EXPECT_EQ(one.records(0).seq(), 4u);
  EXPECT_EQ(Get(*d, "/v1/sessions/" + s.id() + "/history?limit=0").status, 400);
  EXPECT_EQ(Get(*d, "/v1/sessions/" + s.id() + "/history?limit=x").status, 400);

  // A run without the session id starts from nothing, as always.
  Reply plain = Post(*d, ExecBody("typeof rows"));
  ASSERT_EQ(plain.status, 200) << plain.body;
  EXPECT_EQ(FromJson<api::Execution>(plain.body).result().value_json(), "\"undefined\"");
  EXPECT_FALSE(FromJson<api::Execution>(plain.body).result().has_session());

  Reply del = Delete(*d, "/v1/sessions/" + s.id());
  EXPECT_EQ(del.status, 204) << del.body;
  EXPECT_EQ(Get(*d, "/v1/sessions/" + s.id()).status, 404);
  EXPECT_EQ(Get(*d, "/v1/sessions/" + s.id() + "/history").status, 404);
  EXPECT_EQ(Delete(*d, "/v1/sessions/" + s.id()).status, 404);
  Reply gone = Post(*d, SessionBody(s.id(), "1"));
  EXPECT_EQ(gone.status, 404) << gone.body;
  EXPECT_EQ(FromJson<api::ErrorResponse>(gone.body).message(), "no such session");
}

TEST(DaemonSessions, AFailedRunLeavesTheSessionAsItWas) {
  auto d = Daemon::Start();
  ASSERT_TRUE(d);
  const std::string id = NewSession(*d).id();
  ASSERT_EQ(RunIn(*d, id, "var x = 1; var cfg = {a: 1}; 'ok'").status(), api::OK);
  api::ExecutionResult r = RunIn(*d, id, "x = 2; cfg.a = 2; var y = 3; throw new Error('boom')");
  EXPECT_EQ(r.status(), api::RUNTIME_ERROR);
  EXPECT_FALSE(r.session().committed());
  Reply timed_out = Post(*d, SessionBody(id, "x = 3; for (;;) {}", std::nullopt, 300));
  ASSERT_EQ(timed_out.status, 200) << timed_out.body;
  EXPECT_EQ(FromJson<api::Execution>(timed_out.body).result().status(), api::TIMEOUT);
  r = RunIn(*d, id, "[x, cfg.a, typeof y, _]");
  ASSERT_EQ(r.status(), api::OK) << r.DebugString();
  EXPECT_EQ(r.value_json(), "[1,1,\"undefined\",\"ok\"]");
  const api::SessionHistory h = HistoryOf(*d, id);
  ASSERT_EQ(h.records_size(), 4);
  EXPECT_EQ(h.records(1).result().status(), api::RUNTIME_ERROR);
  EXPECT_EQ(h.records(1).result().error().message(), "boom");
  EXPECT_EQ(h.records(2).result().status(), api::TIMEOUT);
}

TEST(DaemonSessions, StateOverTheCapIsOutputLimitAndChangesNothing) {
  auto d = Daemon::Start({.policy_text = "sessions { state_bytes: 10000 max_variables: 3 }"});
  ASSERT_TRUE(d);
  const std::string id = NewSession(*d).id();
  ASSERT_EQ(RunIn(*d, id, "var x = 1; 'ok'").status(), api::OK);
  api::ExecutionResult r = RunIn(*d, id, "x = 2; var big = new Array(20000).join('x'); 1");
  EXPECT_EQ(r.status(), api::OUTPUT_LIMIT) << r.DebugString();
  EXPECT_NE(r.detail().find("sessions.state_bytes"), std::string::npos) << r.detail();
  EXPECT_FALSE(r.session().committed());
  r = RunIn(*d, id, "var a = 1, b = 2, c = 3; 1");
  EXPECT_EQ(r.status(), api::OUTPUT_LIMIT) << r.DebugString();
  EXPECT_NE(r.detail().find("sessions.max_variables"), std::string::npos) << r.detail();
  r = RunIn(*d, id, "[x, typeof big, typeof a]");
  EXPECT_EQ(r.value_json(), "[1,\"undefined\",\"undefined\"]") << r.DebugString();
}

TEST(DaemonSessions, ListingIsPerKeyAndPaged) {
  auto d = Daemon::Start({.api_keys_text = kKeys});
  ASSERT_TRUE(d);
  std::set<std::string> mine;
  for (int i = 0; i < 5; ++i) mine.insert(NewSession(*d, kAlice).id());
  const std::string bobs = NewSession(*d, kBob).id();

  std::set<std::string> listed;
  std::string after;
  int pages = 0;
  do {
    Reply r = Get(*d, "/v1/sessions?limit=2" + (after.empty() ? "" : "&after=" + after), kAlice);
    ASSERT_EQ(r.status, 200) << r.body;
    const api::SessionList page = FromJson<api::SessionList>(r.body);
    EXPECT_LE(page.sessions_size(), 2);
    for (const auto& s : page.sessions()) EXPECT_TRUE(listed.insert(s.id()).second) << "listed twice: " << s.id();
    after = page.next_after();
    ASSERT_LT(++pages, 10);
  } while (!after.empty());
  EXPECT_EQ(listed, mine);
  EXPECT_EQ(pages, 3);

  Reply r = Get(*d, "/v1/sessions", kBob);
  ASSERT_EQ(r.status, 200);
  const api::SessionList bob = FromJson<api::SessionList>(r.body);
  ASSERT_EQ(bob.sessions_size(), 1);
  EXPECT_EQ(bob.sessions(0).id(), bobs);
  EXPECT_EQ(Get(*d, "/v1/sessions?limit=0", kBob).status, 400);
  EXPECT_EQ(Get(*d, "/v1/sessions").status, 401);
  EXPECT_EQ(Call(*d, http::verb::post, "/v1/sessions", "{\"ttl\": 5}", kBob).status, 400);
}

TEST(DaemonSessions, AnotherKeysSessionDoesNotExist) {
  auto d = Daemon::Start({.api_keys_text = kKeys});
  ASSERT_TRUE(d);
  const std::string id = NewSession(*d, kAlice).id();
  ASSERT_EQ(RunIn(*d, id, "var secret = 'alice-only'; 1", kAlice).status(), api::OK);

  Reply get = Get(*d, "/v1/sessions/" + id, kBob);
  EXPECT_EQ(get.status, 404) << get.body;
  EXPECT_EQ(get.body.find("alice"), std::string::npos);
  EXPECT_EQ(Get(*d, "/v1/sessions/" + id + "/history", kBob).status, 404);
  Reply run = Post(*d, SessionBody(id, "secret"), kBob);
  EXPECT_EQ(run.status, 404) << run.body;
  EXPECT_EQ(run.body.find("alice-only"), std::string::npos);
  EXPECT_EQ(Delete(*d, "/v1/sessions/" + id, kBob).status, 404);
  // The same answers as for an id that never existed.
  EXPECT_EQ(Get(*d, "/v1/sessions/" + id, kBob).body, Get(*d, "/v1/sessions/se_00000000000000000000000000000000", kBob).body);

  // Alice's session is untouched by all that.
  api::ExecutionResult r = RunIn(*d, id, "secret", kAlice);
  EXPECT_EQ(r.value_json(), "\"alice-only\"");
  EXPECT_EQ(HistoryOf(*d, id, kAlice).records_size(), 2);
}

TEST(DaemonSessions, ConcurrentRunsQueueAndLoseNoUpdate) {
  auto d = Daemon::Start({.policy_text = "pool { size: 2 max_size: 2 } sessions { max_waiting: 16 }"});
  ASSERT_TRUE(d);
  const std::string id = NewSession(*d).id();
  constexpr int kClients = 4, kEach = 5;
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        Reply r = Post(*d, SessionBody(id, "var n = (typeof n === 'number' ? n : 0) + 1; n"));
        if (r.status == 200 && FromJson<api::Execution>(r.body).result().status() == api::OK) ++ok;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), kClients * kEach);
  EXPECT_EQ(RunIn(*d, id, "n").value_json(), std::to_string(kClients * kEach));
  // History order is execution order: the i-th record saw n == i.
  const api::SessionHistory h = HistoryOf(*d, id);
  ASSERT_EQ(h.records_size(), kClients * kEach + 1);
  for (int i = 0; i < kClients * kEach; ++i) {
    EXPECT_EQ(h.records(i).seq(), static_cast<std::uint64_t>(i + 1));
    EXPECT_EQ(h.records(i).result().value_json(), std::to_string(i + 1)) << "record " << i;
  }
}

TEST(DaemonSessions, ABusySessionAnswers409AndAWaitingRunCanBeCancelled) {
  auto d = Daemon::Start({.policy_text = "sessions { max_waiting: 1 }"});
  ASSERT_TRUE(d);
  const std::string id = NewSession(*d).id();
  ASSERT_EQ(RunIn(*d, id, "var x = 1; 1").status(), api::OK);

  Reply running = Post(*d, SessionBody(id, "x = 2; for (;;) {}", false, 20000));
  ASSERT_EQ(running.status, 202) << running.body;
  const std::string running_id = FromJson<api::Execution>(running.body).id();
  ASSERT_TRUE(WaitRunning(*d, running_id));
  Reply waiting = Post(*d, SessionBody(id, "x", false));
  ASSERT_EQ(waiting.status, 202) << waiting.body;
  const std::string waiting_id = FromJson<api::Execution>(waiting.body).id();

  Reply busy = Post(*d, SessionBody(id, "x"));
  EXPECT_EQ(busy.status, 409) << busy.body;
  const api::ErrorResponse e = FromJson<api::ErrorResponse>(busy.body);
  EXPECT_EQ(e.status(), api::QUEUE_FULL);
  EXPECT_NE(e.message().find("is busy"), std::string::npos) << e.message();

  // The waiting run is cancelled without running; then the running one.
  Reply cancelled = Delete(*d, "/v1/executions/" + waiting_id);
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(FromJson<api::Execution>(cancelled.body).result().status(), api::CANCELLED);
  cancelled = Delete(*d, "/v1/executions/" + running_id);
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(FromJson<api::Execution>(cancelled.body).result().status(), api::CANCELLED);

  api::ExecutionResult r = RunIn(*d, id, "x");
  EXPECT_EQ(r.value_json(), "1") << r.DebugString();
  // Recorded: the runs that ran (the first, the cancelled running one,
  // this one), not the one cancelled while it waited.
  const api::SessionHistory h = HistoryOf(*d, id);
  ASSERT_EQ(h.records_size(), 3);
  EXPECT_EQ(h.records(1).result().status(), api::CANCELLED);
}

TEST(DaemonSessions, AWorkerKilledMidRunLeavesTheSessionUsable) {
  auto d = Daemon::Start({.pool_size = 1});
  ASSERT_TRUE(d);
  const std::string id = NewSession(*d).id();
  ASSERT_EQ(RunIn(*d, id, "var x = 1; 1").status(), api::OK);
  Reply started = Post(*d, SessionBody(id, "x = 2; var y = 1; for (;;) {}", false, 20000));
  ASSERT_EQ(started.status, 202) << started.body;
  const std::string exec = FromJson<api::Execution>(started.body).id();
  ASSERT_TRUE(WaitRunning(*d, exec));
  const std::vector<pid_t> workers = WorkersOf(d->pid());
  ASSERT_FALSE(workers.empty());
  for (pid_t w : workers) ::kill(w, SIGKILL);
  const api::Execution e = WaitDone(*d, exec);
  EXPECT_EQ(e.result().status(), api::WORKER_CRASHED) << e.DebugString();
  EXPECT_FALSE(e.result().session().committed());
  api::ExecutionResult r = RunIn(*d, id, "[x, typeof y]");
  EXPECT_EQ(r.value_json(), "[1,\"undefined\"]") << r.DebugString();
}

TEST(DaemonSessions, KillNineMidStreamLosesNoRunTheClientSawDone) {
  TempDir state;
  DaemonOptions options{.pool_size = 2, .state_dir = state.path()};
  auto d = Daemon::Start(options);
  ASSERT_TRUE(d);
  const std::string id = NewSession(*d).id();

  // Each run adds one to a counter and returns it: the values a client saw
  // DONE are runs the daemon said were committed.
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<std::string> seen;
  std::thread client([&] {
    while (!stop) {
      Reply r = Post(*d, SessionBody(id, "var c = (typeof c === 'number' ? c : 0) + 1; c"), "", 5s);
      if (r.status != 200) continue;  // the daemon died under this one
      api::Execution e;
      if (!google::protobuf::util::JsonStringToMessage(r.body, &e).ok()) continue;
      if (e.result().status() == api::OK && e.result().session().committed()) {
        std::lock_guard<std::mutex> lock(mu);
        seen.push_back(e.result().value_json());
      }
    }
  });
  const auto until = Clock::now() + 10s;
  auto count = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return seen.size();
  };
  while (count() < 15 && Clock::now() < until) std::this_thread::sleep_for(20ms);
  d->Signal(SIGKILL);
  ASSERT_TRUE(d->WaitExit(10s));
  stop = true;
  client.join();
  ASSERT_GE(seen.size(), 5u) << d->log();
  d.reset();

  auto again = Daemon::Start(options);
  ASSERT_TRUE(again);
  const api::SessionHistory h = HistoryOf(*again, id);
  std::set<std::string> recorded;
  for (const auto& rec : h.records()) {
    if (rec.result().status() == api::OK) recorded.insert(rec.result().value_json());
  }
  for (const std::string& v : seen) EXPECT_TRUE(recorded.count(v)) << "run returning " << v << " was lost";
  // The state is the last committed run's: at least what the client saw
  // last, at most one more (a run committed as the daemon died, its answer
  // lost on the way).
  ASSERT_GT(h.records_size(), 0);
  const std::string last = h.records(h.records_size() - 1).result().value_json();
  api::ExecutionResult r = RunIn(*again, id, "c");
  EXPECT_EQ(r.value_json(), last);
  EXPECT_GE(std::stoi(last), std::stoi(seen.back()));
  EXPECT_LE(std::stoi(last), std::stoi(seen.back()) + 1);
}

TEST(DaemonSessions, AnUnusableStoreStopsTheStartWithTheFileNamed) {
  TempDir state;
  const std::string db = state.path() + "/sessions.db";
  std::ofstream(db) << std::string(8192, 'x');
  auto d = Daemon::Launch({.state_dir = state.path()});
  ASSERT_TRUE(d);
  const std::optional<int> code = d->WaitExit(20s);
  ASSERT_TRUE(code) << "the daemon started on a corrupt store:\n" << d->log();
  EXPECT_NE(*code, 0);
  // The log reader may still be catching up with what the daemon wrote
  // before it exited.
  EXPECT_TRUE(d->WaitForLog("--reset-state", 5s)) << d->log();
  EXPECT_NE(d->log().find(db), std::string::npos) << d->log();
  // Nothing was reset silently.
  std::ifstream in(db);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, std::string(8192, 'x'));

  // --reset-state moves it aside and starts afresh.
  auto reset = Daemon::Start({.extra_args = {"--reset-state"}, .state_dir = state.path()});
  ASSERT_TRUE(reset);
  EXPECT_EQ(RunIn(*reset, NewSession(*reset).id(), "1 + 1").value_json(), "2");
  bool aside = false;
  for (const auto& entry : std::filesystem::directory_iterator(state.path())) {
    aside |= entry.path().filename().string().rfind("sessions.db.unusable-", 0) == 0;
  }
  EXPECT_TRUE(aside);
  struct stat st{};
  ASSERT_EQ(::stat(db.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(state.path().c_str(), &st), 0);
}

TEST(DaemonSessions, TwoDaemonsCannotShareAStateDirectory) {
  TempDir state;
  auto first = Daemon::Start({.state_dir = state.path()});
  ASSERT_TRUE(first);
  auto second = Daemon::Launch({.state_dir = state.path()});
  ASSERT_TRUE(second);
  const std::optional<int> code = second->WaitExit(20s);
  ASSERT_TRUE(code) << second->log();
  EXPECT_NE(*code, 0);
  // The log reader may still be catching up with what the daemon wrote
  // before it exited.
  EXPECT_TRUE(second->WaitForLog("in use by another stockade serve", 5s)) << second->log();
}

TEST(DaemonSessions, UnusedSessionsExpireAndRunsKeepThemAlive) {
  auto d = Daemon::Start({.policy_text = "sessions { ttl_seconds: 2 }"});
  ASSERT_TRUE(d);
  const std::string idle = NewSession(*d).id();
  const std::string busy = NewSession(*d).id();
  // The busy one is used every half second; the idle one never again.
  const auto until = Clock::now() + 4500ms;
  while (Clock::now() < until) {
    ASSERT_EQ(RunIn(*d, busy, "1").status(), api::OK);
    std::this_thread::sleep_for(500ms);
  }
  EXPECT_EQ(Get(*d, "/v1/sessions/" + idle).status, 404);
  EXPECT_EQ(Get(*d, "/v1/sessions/" + busy).status, 200);
  EXPECT_TRUE(d->WaitForLog("\"event\":\"sessions_expired\"", 1s)) << d->log();
}

TEST(DaemonSessions, ARunLongerThanTheTtlDoesNotLoseItsSession) {
  auto d = Daemon::Start({.policy_text = "sessions { ttl_seconds: 1 }"});
  ASSERT_TRUE(d);
  const std::string id = NewSession(*d).id();
  Reply r = Post(*d, SessionBody(id, "var keep = 42; var t = Date.now(); while (Date.now() - t < 2500) {} keep",
                                 std::nullopt, 10000));
  ASSERT_EQ(r.status, 200) << r.body;
  const api::ExecutionResult res = FromJson<api::Execution>(r.body).result();
  EXPECT_EQ(res.status(), api::OK) << res.DebugString();
  EXPECT_TRUE(res.session().committed()) << res.DebugString();
  EXPECT_EQ(RunIn(*d, id, "keep").value_json(), "42");
}

TEST(DaemonSessions, ARunWhoseSessionWasDeletedSaysItWasNotKept) {
  auto d = Daemon::Start();
  ASSERT_TRUE(d);
  const std::string id = NewSession(*d).id();
  Reply started = Post(*d, SessionBody(id, "var t = Date.now(); while (Date.now() - t < 1000) {} var x = 1; 7", false));
  ASSERT_EQ(started.status, 202) << started.body;
  const std::string exec = FromJson<api::Execution>(started.body).id();
  ASSERT_TRUE(WaitRunning(*d, exec));
  ASSERT_EQ(Delete(*d, "/v1/sessions/" + id).status, 204);
  const api::Execution e = WaitDone(*d, exec);
  EXPECT_EQ(e.result().status(), api::INTERNAL) << e.DebugString();
  EXPECT_NE(e.result().detail().find("could not record it"), std::string::npos) << e.result().detail();
  EXPECT_FALSE(e.result().session().committed());
  EXPECT_EQ(e.result().session().variables(), 0u);
}

TEST(DaemonSessions, HistoryKeepsAHeadOfLargeRuns) {
  auto d = Daemon::Start();
  ASSERT_TRUE(d);
  const std::string id = NewSession(*d).id();
  const std::string code = "for (var i = 0; i < 500; i++) console.log('line ' + i); 'x'.repeat(100000)";
  api::ExecutionResult r = RunIn(*d, id, code);
  ASSERT_EQ(r.status(), api::OK);
  EXPECT_EQ(r.console_size(), 500);  // the caller gets everything
  const api::SessionHistory h = HistoryOf(*d, id);
  ASSERT_EQ(h.records_size(), 1);
  const api::ExecutionResult& kept = h.records(0).result();
  EXPECT_EQ(kept.console_size(), 20);
  EXPECT_EQ(kept.console(0).text(), "line 0");
  EXPECT_TRUE(kept.output().truncated());
  EXPECT_LE(kept.value_json().size(), 16384u);
  EXPECT_TRUE(kept.value().truncated());
  EXPECT_EQ(h.records(0).code(), code);
}

TEST(DaemonSessions, MetricsCountSessionsAndTheirRuns) {
  auto d = Daemon::Start({.policy_text = "sessions { max_waiting: 4 }"});
  ASSERT_TRUE(d);
  EXPECT_EQ(MetricValue(Scrape(*d), "stockade_sessions"), 0);
  const std::string id = NewSession(*d).id();
  NewSession(*d);
  Reply running = Post(*d, SessionBody(id, "for (;;) {}", false, 20000));
  ASSERT_EQ(running.status, 202) << running.body;
  const std::string exec = FromJson<api::Execution>(running.body).id();
  ASSERT_TRUE(WaitRunning(*d, exec));
  ASSERT_EQ(Post(*d, SessionBody(id, "1", false)).status, 202);
  const std::string busy = Scrape(*d);
  EXPECT_EQ(MetricValue(busy, "stockade_sessions"), 2) << busy;
  EXPECT_EQ(MetricValue(busy, "stockade_session_runs{state=\"running\"}"), 1) << busy;
  EXPECT_EQ(MetricValue(busy, "stockade_session_runs{state=\"waiting\"}"), 1) << busy;
  ASSERT_EQ(Delete(*d, "/v1/executions/" + exec).status, 200);
}

TEST(DaemonSessions, SessionsSurviveARestart) {
  TempDir state;
  std::string id;
  {
    auto d = Daemon::Start({.state_dir = state.path()});
    ASSERT_TRUE(d);
    id = NewSession(*d).id();
    ASSERT_EQ(RunIn(*d, id, "var m = new Map([[1, {d: new Date(5)}]]); 'kept'").status(), api::OK);
  }
  auto d = Daemon::Start({.state_dir = state.path()});
  ASSERT_TRUE(d);
  api::ExecutionResult r = RunIn(*d, id, "[m.get(1).d.getTime(), _]");
  EXPECT_EQ(r.value_json(), "[5,\"kept\"]") << r.DebugString();
  EXPECT_EQ(HistoryOf(*d, id).records_size(), 2);
}

}  // namespace
}  // namespace stockade::testing
