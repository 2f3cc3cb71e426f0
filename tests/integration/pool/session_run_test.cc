// A session's state through the embedded API and real confined workers:
// Callbacks.session_in is restored into the run, capture_session brings the
// worker's capture back in on_session_out (before on_done), for code that
// runs as it is and for code that is lowered first (the attempt Duktape
// refused hands nothing back), top-level functions and classes included.
// docs/DESIGN.md, "Session state, version 2".
#include <gtest/gtest.h>

#include <future>
#include <string>

#include "tests/integration/test_support.h"

namespace stockade::testing {
namespace {

struct SessionRun {
  api::ExecutionResult result;
  std::string state;    // the captured state (Result.session_state)
  std::string out;      // {"variables":[...],"dropped":[...]}, for tests to search
  int out_calls = 0;
  bool out_before_done = false;
};

SessionRun RunInSession(supervisor::Supervisor& sup, std::string code, std::string state_in) {
  SessionRun run;
  std::promise<void> done;
  supervisor::Supervisor::Callbacks cb;
  cb.session_in = std::move(state_in);
  cb.capture_session = true;
  cb.on_session_out = [&run](supervisor::SessionOut out) {
    run.state = std::move(out.state);
    run.out = "{\"variables\":" + out.variables_json + ",\"dropped\":[";
    for (std::size_t i = 0; i < out.dropped.size(); ++i) run.out += (i ? ",\"" : "\"") + out.dropped[i] + "\"";
    run.out += "]}";
    ++run.out_calls;
  };
  cb.on_done = [&](api::ExecutionResult r) {
    run.result = std::move(r);
    run.out_before_done = run.out_calls == 1;
    done.set_value();
  };
  sup.Submit(Code(std::move(code)), std::move(cb));
  done.get_future().wait();
  return run;
}


TEST(SessionRuns, StateGoesInAndComesBackThroughRealWorkers) {
  auto sup = StartSupervisor(TestPolicy(1));
  ASSERT_TRUE(sup);
  SessionRun a = RunInSession(*sup, "var rows = [1, 2, 3]; var label = 'n'; rows.length", "");
  ASSERT_EQ(a.result.status(), api::OK) << a.result.detail();
  EXPECT_TRUE(a.out_before_done);
  ASSERT_FALSE(a.state.empty()) << a.out;
  // Modern code is lowered first; its state comes back once, from the run.
  SessionRun b = RunInSession(*sup, "const total = rows.reduce((s, x) => s + x, 0);\n`${label}=${total}/${_}`",
                              a.state);
  ASSERT_EQ(b.result.status(), api::OK) << b.result.detail();
  EXPECT_TRUE(b.result.lowered());
  EXPECT_EQ(b.result.value_json(), "\"n=6/3\"");
  EXPECT_EQ(b.out_calls, 1);
  SessionRun c = RunInSession(*sup, "[total, label, _]", b.state);
  EXPECT_EQ(c.result.value_json(), "[6,\"n\",\"n=6/3\"]");
  // A run without the session's state sees none of it, on the same worker.
  EXPECT_EQ(sup->Run(Code("typeof rows + typeof total")).value_json(), "\"undefinedundefined\"");
}

TEST(SessionRuns, FunctionsAndClassesAreKeptThroughRealWorkers) {
  auto sup = StartSupervisor(TestPolicy(1));
  ASSERT_TRUE(sup);
  // Lowered by a compiler worker: the lowered text of each declaration is
  // what the session keeps.
  SessionRun a = RunInSession(*sup,
                              "class Counter { n = 0; bump() { return ++this.n; } }\n"
                              "const twice = (x) => x * 2;\nconst c = new Counter();\nc.bump()",
                              "");
  ASSERT_EQ(a.result.status(), api::OK) << a.result.detail();
  EXPECT_TRUE(a.result.lowered());
  ASSERT_FALSE(a.state.empty()) << a.out;
  EXPECT_NE(a.out.find("\"dropped\":[]"), std::string::npos) << a.out;
  // ES5 on an ordinary worker: the class, its instance and the arrow.
  SessionRun b = RunInSession(*sup, "function next() { return c.bump(); }\n[next(), twice(next()), c instanceof Counter]",
                              a.state);
  ASSERT_EQ(b.result.status(), api::OK) << b.result.detail();
  EXPECT_FALSE(b.result.lowered());
  EXPECT_EQ(b.result.value_json(), "[2,6,true]");
  SessionRun c = RunInSession(*sup, "[next(), new Counter().bump()]", b.state);
  EXPECT_EQ(c.result.value_json(), "[4,1]");
}

}  // namespace
}  // namespace stockade::testing
