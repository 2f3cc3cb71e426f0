// Sessions over the embedded API with real confined workers and a real
// SQLite store: state that carries from run to run, `_`, history in order,
// failed runs that change nothing, a state over its cap, requests queued
// behind a busy session and one too many refused, a full store, and
// sessions that exist only for the key that made them.
#include "supervisor/sessions/session_manager.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <filesystem>
#include <future>
#include <string>
#include <vector>

#include "tests/integration/test_support.h"

namespace stockade::testing {
namespace {

namespace fs = std::filesystem;
using supervisor::SessionManager;

class Sessions : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("stockade-sm-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    sup_ = StartSupervisor(TestPolicy(2));
    ASSERT_TRUE(sup_);
    policy_ = sup_->policy().sessions();
  }
  void TearDown() override {
    manager_.reset();
    sup_.reset();
    fs::remove_all(dir_);
  }

  void Open() {
    auto store = supervisor::SessionStore::Open((dir_ / "sessions.db").string());
    ASSERT_TRUE(store.ok()) << store.status().message();
    manager_ = std::make_unique<SessionManager>(*sup_, std::move(store).value(), policy_);
  }

  // Runs fn on the io thread (where the manager lives) and waits.
  template <typename F>
  auto OnIo(F fn) {
    std::promise<decltype(fn())> p;
    boost::asio::post(sup_->io(), [&] { p.set_value(fn()); });
    return p.get_future().get();
  }

  std::future<api::ExecutionResult> Submit(const std::string& owner, const std::string& id, std::string code) {
    auto p = std::make_shared<std::promise<api::ExecutionResult>>();
    auto f = p->get_future();
    boost::asio::post(sup_->io(), [this, owner, id, code = std::move(code), p] {
      supervisor::Supervisor::Callbacks cb;
      cb.on_done = [p](api::ExecutionResult r) { p->set_value(std::move(r)); };
      manager_->Run(owner, id, Code(code, 5000), std::move(cb));
    });
    return f;
  }
  api::ExecutionResult RunIn(const std::string& owner, const std::string& id, std::string code) {
    return Submit(owner, id, std::move(code)).get();
  }
  std::string NewSession(const std::string& owner) {
    auto s = OnIo([&] { return manager_->Create(owner); });
    EXPECT_TRUE(s.ok()) << s.status().message();
    return s.ok() ? s->id : "";
  }

  fs::path dir_;
  std::unique_ptr<supervisor::Supervisor> sup_;
  policy::SessionPolicy policy_;
  std::unique_ptr<SessionManager> manager_;
};

TEST_F(Sessions, AFullStoreKeepsNothingNewAndSaysSo) {
  policy_.set_max_store_bytes(1 << 20);
  policy_.set_state_bytes(1 << 20);
  Open();
  const std::string a = NewSession("alice");
  const std::string b = NewSession("alice");
  const std::string big = "var big = new Array(600001).join('x'); big.length";
  api::ExecutionResult first = RunIn("alice", a, big);
  ASSERT_EQ(first.status(), api::OK) << first.detail();
  EXPECT_TRUE(first.session().committed());
  // The second 600 KB does not fit in the 1 MiB store.
  api::ExecutionResult second = RunIn("alice", b, big);
  EXPECT_EQ(second.status(), api::OUTPUT_LIMIT) << second.detail();
  EXPECT_FALSE(second.session().committed());
  EXPECT_NE(second.detail().find("the session store is full (sessions.max_store_bytes"), std::string::npos)
      << second.detail();
  EXPECT_EQ(second.value_json(), "");
  // Session b is as it was, and small states still fit; a is untouched.
  // (A run in a would not be kept either: a new state is written before
  // the old one's pages are freed, so it needs room for both.)
  EXPECT_EQ(RunIn("alice", b, "typeof big").value_json(), "\"undefined\"");
  auto kept = OnIo([&] { return manager_->Get("alice", a, false); });
  ASSERT_TRUE(kept.ok() && kept->has_value());
  EXPECT_GT((*kept)->state_bytes, 600000u);
  // Deleting a frees its space for b.
  ASSERT_TRUE(OnIo([&] { return manager_->Delete("alice", a); }).ok());
  api::ExecutionResult again = RunIn("alice", b, big);
  EXPECT_EQ(again.status(), api::OK) << again.detail();
  EXPECT_TRUE(again.session().committed());
}

TEST_F(Sessions, StateCarriesFromRunToRunAndFailuresChangeNothing) {
  Open();
  const std::string id = NewSession("alice");
  ASSERT_EQ(id.rfind("se_", 0), 0u);
  api::ExecutionResult a =
      RunIn("alice", id, "var rows = [3, 1, 2]; var f = function () {}; function g() { return rows.length; } rows.length");
  ASSERT_EQ(a.status(), api::OK) << a.detail();
  EXPECT_TRUE(a.session().committed());
  EXPECT_EQ(a.session().id(), id);
  // A declared function is kept by its source; a function expression's
  // value is not.
  ASSERT_EQ(a.session().dropped_size(), 1);
  EXPECT_EQ(a.session().dropped(0), "f: a function not declared at top level");
  // Modern code, lowered, sees the state and `_`.
  api::ExecutionResult b = RunIn("alice", id, "const sorted = [...rows].sort((x, y) => x - y);\n[sorted, _]");
  ASSERT_EQ(b.status(), api::OK) << b.detail();
  EXPECT_EQ(b.value_json(), "[[1,2,3],3]");
  // A failed run is in the history and changes nothing.
  api::ExecutionResult c = RunIn("alice", id, "rows = null; throw new Error('boom')");
  EXPECT_EQ(c.status(), api::RUNTIME_ERROR);
  EXPECT_FALSE(c.session().committed());
  EXPECT_EQ(RunIn("alice", id, "[rows.length, sorted[0], g()]").value_json(), "[3,1,3]");

  auto history = OnIo([&] { return manager_->History("alice", id, 10); });
  ASSERT_TRUE(history.ok() && history->has_value());
  ASSERT_EQ((*history)->size(), 4u);
  api::ExecutionResult third;
  ASSERT_TRUE(third.ParseFromString((**history)[2].result));
  EXPECT_EQ(third.status(), api::RUNTIME_ERROR);
  EXPECT_EQ((**history)[2].code, "rows = null; throw new Error('boom')");
  auto s = OnIo([&] { return manager_->Get("alice", id); });
  ASSERT_TRUE(s.ok() && s->has_value());
  EXPECT_EQ((*s)->executions, 4u);
  EXPECT_NE((*s)->variables_json.find("\"name\":\"sorted\""), std::string::npos) << (*s)->variables_json;
}

TEST_F(Sessions, ASessionIsOnlyItsOwnersKeys) {
  Open();
  const std::string id = NewSession("alice");
  EXPECT_FALSE(OnIo([&] { return manager_->Get("bob", id); })->has_value());
  EXPECT_TRUE(OnIo([&] { return manager_->List("bob", "", 10); })->empty());
  EXPECT_FALSE(OnIo([&] { return manager_->Delete("bob", id); }).value());
  EXPECT_FALSE(OnIo([&] { return manager_->History("bob", id, 10); })->has_value());
  api::ExecutionResult r = RunIn("bob", id, "1");
  EXPECT_EQ(r.status(), api::INVALID_REQUEST);
  EXPECT_NE(r.detail().find("no session"), std::string::npos);
  EXPECT_EQ(OnIo([&] { return manager_->List("alice", "", 10); })->size(), 1u);
  EXPECT_TRUE(OnIo([&] { return manager_->Delete("alice", id); }).value());
  EXPECT_EQ(RunIn("alice", id, "1").status(), api::INVALID_REQUEST);
}

TEST_F(Sessions, AStateOverItsCapIsOutputLimitAndChangesNothing) {
  policy_.set_state_bytes(4096);
  Open();
  const std::string id = NewSession("alice");
  ASSERT_EQ(RunIn("alice", id, "var small = 'ok'; 1").status(), api::OK);
  api::ExecutionResult big = RunIn("alice", id, "var huge = new Array(10000).join('x'); small = 'changed'; 2");
  EXPECT_EQ(big.status(), api::OUTPUT_LIMIT);
  EXPECT_NE(big.detail().find("sessions.state_bytes"), std::string::npos) << big.detail();
  EXPECT_FALSE(big.session().committed());
  EXPECT_EQ(RunIn("alice", id, "[small, typeof huge, _]").value_json(), "[\"ok\",\"undefined\",1]");
}

// One run at a time per session: requests wait in order behind the running
// one, up to sessions.max_waiting; one more is refused at once.
TEST_F(Sessions, RequestsQueueBehindABusySessionInOrder) {
  policy_.set_max_waiting(3);
  Open();
  const std::string id = NewSession("alice");
  ASSERT_EQ(RunIn("alice", id, "var log = []; 0").status(), api::OK);
  std::vector<std::future<api::ExecutionResult>> runs;
  runs.push_back(Submit("alice", id, "var t = Date.now(); while (Date.now() - t < 300) {} log.push(0); log.length"));
  for (int i = 1; i <= 4; ++i) runs.push_back(Submit("alice", id, "log.push(" + std::to_string(i) + "); log.length"));
  std::vector<api::ExecutionResult> results;
  for (auto& f : runs) results.push_back(f.get());
  EXPECT_EQ(results[0].value_json(), "1");
  EXPECT_EQ(results[1].value_json(), "2");
  EXPECT_EQ(results[3].value_json(), "4");
  EXPECT_EQ(results[4].status(), api::QUEUE_FULL);
  EXPECT_NE(results[4].detail().find("is busy"), std::string::npos);
  EXPECT_EQ(RunIn("alice", id, "log").value_json(), "[0,1,2,3]");
  // Another session is not held up by this one.
  const std::string other = NewSession("alice");
  EXPECT_EQ(RunIn("alice", other, "typeof log").value_json(), "\"undefined\"");
}

TEST_F(Sessions, LimitsOnHowManySessions) {
  policy_.set_max_per_key(2);
  Open();
  NewSession("alice");
  NewSession("alice");
  auto third = OnIo([&] { return manager_->Create("alice"); });
  ASSERT_FALSE(third.ok());
  EXPECT_NE(third.status().message().find("sessions.max_per_key"), std::string::npos);
  EXPECT_TRUE(OnIo([&] { return manager_->Create("bob"); }).ok());
}

}  // namespace
}  // namespace stockade::testing
