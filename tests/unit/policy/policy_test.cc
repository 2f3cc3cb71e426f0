// Policy: parsing, defaults, presets, validation, clamping, recycling and
// outcome mapping. All pure decisions, tested without processes.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>

#include "policy/connection_cap.h"
#include "policy/limits.h"
#include "policy/outcome.h"
#include "policy/policy_loader.h"
#include "policy/recycle.h"
#include "policy/syscall_policy.h"

namespace stockade::policy {
namespace {

Policy Default() {
  auto p = LoadPolicy("");
  EXPECT_TRUE(p.ok()) << p.status().message();
  return *p;
}

TEST(PolicyLoader, DefaultHoldsTheSeedDefaults) {
  Policy p = Default();
  EXPECT_EQ(p.name(), "default");
  EXPECT_EQ(p.limits().timeout_ms(), 5000u);
  EXPECT_EQ(p.limits().memory_bytes(), 100u * 1024 * 1024);
  EXPECT_EQ(p.limits().result_bytes(), 10u * 1024 * 1024);
  EXPECT_EQ(p.limits().code_bytes(), 100u * 1024);
  EXPECT_EQ(p.pool().size(), 10u);
  EXPECT_EQ(p.pool().queue_capacity(), 50u);
  EXPECT_EQ(p.recycle().max_executions(), 1000u);
  EXPECT_EQ(p.recycle().max_idle_ms(), 300000u);
  EXPECT_GT(p.seccomp().allow_size(), 5);
}

TEST(PolicyLoader, PresetsLoadAndOverrideOnlyWhatTheySay) {
  auto strict = LoadPolicy("strict");
  ASSERT_TRUE(strict.ok()) << strict.status().message();
  EXPECT_EQ(strict->recycle().max_executions(), 1u);
  EXPECT_TRUE(strict->recycle().after_error());
  EXPECT_EQ(strict->limits().timeout_ms(), 1000u);
  // Not mentioned in strict: inherited from default.
  EXPECT_EQ(strict->limits().disk_bytes(), Default().limits().disk_bytes());
  EXPECT_EQ(strict->seccomp().allow_size(), Default().seccomp().allow_size());
  auto permissive = LoadPolicy("permissive");
  ASSERT_TRUE(permissive.ok()) << permissive.status().message();
  EXPECT_GT(permissive->limits().max_memory_bytes(), Default().limits().max_memory_bytes());
}

std::string WriteTemp(const std::string& text) {
  char path[] = "/tmp/stockade-policy-XXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  close(fd);
  std::ofstream(path) << text;
  return path;
}

TEST(PolicyLoader, ZeroAndFalseInAFileOverrideTheDefault) {
  std::string path = WriteTemp("recycle { after_limit_trip: false max_idle_ms: 0 }\n");
  auto p = LoadPolicy(path);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_FALSE(p->recycle().after_limit_trip());
  EXPECT_EQ(p->recycle().max_idle_ms(), 0u);
  EXPECT_EQ(p->recycle().max_executions(), 1000u);
  unlink(path.c_str());
}

TEST(PolicyLoader, ParseErrorsNameFileLineAndColumn) {
  std::string path = WriteTemp("limits {\n  timeout_ms: 10\n  no_such_field: 3\n}\n");
  auto p = LoadPolicy(path);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find(path + ":3:"), std::string::npos) << p.status().message();
  EXPECT_NE(p.status().message().find("no_such_field"), std::string::npos) << p.status().message();
  unlink(path.c_str());
}

TEST(PolicyLoader, ValidationErrorsPointAtTheLineThatSetsTheField) {
  // The error names max_timeout_ms, which the file does not set; the file
  // sets timeout_ms, the other field named, on line 3.
  std::string path = WriteTemp("name: \"x\"\nlimits {\n  timeout_ms: 60000\n}\n");
  auto p = LoadPolicy(path);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().message(), path + ":3:3: policy: limits.max_timeout_ms must be >= timeout_ms");
  unlink(path.c_str());

  // A bad entry of a list: its own line, not the list's first entry.
  path = WriteTemp("redaction {\n  remove_keys: \"session\"\n  remove_keys: \"bogusKey\"\n}\n");
  p = LoadPolicy(path);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().message().find(path + ":3:16: "), 0u) << p.status().message();
  unlink(path.c_str());

  path = WriteTemp(
      "seccomp {\n  allow { name: \"read\" reason: \"r\" }\n  allow { name: \"open\" reason: \"o\" }\n}\n");
  p = LoadPolicy(path);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().message().find(path + ":3:17: "), 0u) << p.status().message();
  unlink(path.c_str());

  path = WriteTemp("redaction {\n  add_keys: \"ok\"\n  add_patterns { name: \"p\" regex: \"(a\" }\n}\n");
  p = LoadPolicy(path);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find(path + ":3:24: policy: redaction.add_patterns \"p\""),
            std::string::npos)
      << p.status().message();
  unlink(path.c_str());
}

TEST(PolicyLoader, RootIdentityIsRefusedUnlessKeepingRootOnPurpose) {
  auto refused = PolicyFromText("identity { uid: 0 gid: 0 }", "test", "test");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("unsafe_keep_root"), std::string::npos);
  auto kept = PolicyFromText("identity { uid: 0 gid: 0 unsafe_keep_root: true }", "test", "test");
  EXPECT_TRUE(kept.ok()) << kept.status().message();
}

TEST(PolicyLoader, MissingFileIsAClearError) {
  auto p = LoadPolicy("/nonexistent/policy.textproto");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("no such file"), std::string::npos);
}

TEST(PolicyLoader, ValidationRejectsInconsistentCeilings) {
  Policy p = Default();
  p.mutable_limits()->set_max_timeout_ms(10);
  Status st = ValidatePolicy(p);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("max_timeout_ms"), std::string::npos);
}

TEST(PolicyLoader, RootWorkersNeedTheUnsafeFlag) {
  Policy p = Default();
  p.mutable_identity()->set_uid(0);
  Status st = ValidatePolicy(p);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("unsafe_keep_root"), std::string::npos);
}

TEST(PolicyLoader, AllowlistInAFileReplacesTheDefaultList) {
  std::string path = WriteTemp(
      "seccomp { allow { name: \"read\" reason: \"r\" } allow { name: \"write\" reason: \"w\" } }\n");
  auto p = LoadPolicy(path);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->seccomp().allow_size(), 2);
  unlink(path.c_str());
}

TEST(SyscallPolicy, NeverAllowedSyscallsAreRefusedWithTheirReason) {
  for (const char* name : {"execve", "open", "openat", "socket", "clone", "fork", "ptrace"}) {
    SeccompPolicy s;
    auto* r = s.add_allow();
    r->set_name(name);
    r->set_reason("because");
    Status st = ValidateAllowlist(s);
    ASSERT_FALSE(st.ok()) << name;
    EXPECT_NE(st.message().find("may never be allowed"), std::string::npos) << st.message();
  }
}

TEST(SyscallPolicy, UnknownNamesMissingReasonsAndDuplicatesAreRefused) {
  SeccompPolicy s;
  auto* r = s.add_allow();
  r->set_name("no_such_syscall");
  r->set_reason("x");
  EXPECT_NE(ValidateAllowlist(s).message().find("unknown syscall"), std::string::npos);
  r->set_name("read");
  r->clear_reason();
  EXPECT_NE(ValidateAllowlist(s).message().find("needs a reason"), std::string::npos);
  r->set_reason("x");
  *s.add_allow() = *r;
  EXPECT_NE(ValidateAllowlist(s).message().find("twice"), std::string::npos);
}

TEST(SyscallPolicy, EveryDefaultEntryHasAReason) {
  const Policy p = Default();
  for (const auto& rule : p.seccomp().allow()) EXPECT_FALSE(rule.reason().empty()) << rule.name();
  EXPECT_TRUE(RequiresNoExecArgument("mmap"));
  EXPECT_TRUE(RequiresNoExecArgument("mprotect"));
  EXPECT_FALSE(RequiresNoExecArgument("read"));
}

TEST(Limits, RequestsAreClampedToCeilingsAndZeroMeansDefault) {
  Policy p = Default();
  api::Limits req;
  wire::RunLimits run = EffectiveRunLimits(p, req);
  EXPECT_EQ(run.timeout_ms(), 5000u);
  EXPECT_EQ(run.memory_bytes(), p.limits().memory_bytes());
  req.set_timeout_ms(100);
  EXPECT_EQ(EffectiveRunLimits(p, req).timeout_ms(), 100u);
  req.set_timeout_ms(10'000'000);
  EXPECT_EQ(EffectiveRunLimits(p, req).timeout_ms(), p.limits().max_timeout_ms());
  req.set_memory_bytes(1ull << 40);
  EXPECT_EQ(EffectiveRunLimits(p, req).memory_bytes(), p.limits().max_memory_bytes());
  EXPECT_EQ(ToApiLimits(EffectiveRunLimits(p, req)).timeout_ms(), p.limits().max_timeout_ms());
}

TEST(Limits, KernelBackstopsAreAboveTheInterpreterLimits) {
  Policy p = Default();
  WorkerRlimits rl = WorkerRlimitsFor(p);
  EXPECT_GT(rl.address_space_bytes, p.limits().max_memory_bytes());
  EXPECT_GT(rl.cpu_seconds * 1000, p.limits().max_timeout_ms());
  EXPECT_EQ(rl.open_files, 10u);
  EXPECT_GT(WorkerCgroupLimitsFor(p).memory_max_bytes, p.limits().max_memory_bytes());
}

TEST(Recycle, Decisions) {
  Policy p = Default();
  WorkerStats s;
  s.executions = 1;
  s.last_status = api::OK;
  EXPECT_EQ(ShouldRecycleAfterRun(s, p), RecycleReason::kNone);
  s.executions = 1000;
  EXPECT_EQ(ShouldRecycleAfterRun(s, p), RecycleReason::kMaxExecutions);
  s.executions = 5;
  s.last_status = api::TIMEOUT;
  EXPECT_EQ(ShouldRecycleAfterRun(s, p), RecycleReason::kLimitTrip);
  s.last_status = api::RUNTIME_ERROR;
  EXPECT_EQ(ShouldRecycleAfterRun(s, p), RecycleReason::kNone);
  p.mutable_recycle()->set_after_error(true);
  EXPECT_EQ(ShouldRecycleAfterRun(s, p), RecycleReason::kScriptError);
  s.last_status = api::OK;
  s.heap_bytes_after = p.recycle().max_heap_bytes() + 1;
  EXPECT_EQ(ShouldRecycleAfterRun(s, p), RecycleReason::kHeapGrowth);
  s.heap_bytes_after = 0;
  s.cpu_used_us = WorkerRlimitsFor(p).cpu_seconds * 1000000;
  EXPECT_EQ(ShouldRecycleAfterRun(s, p), RecycleReason::kCpuBudget);
  EXPECT_TRUE(ShouldRecycleIdle(300000, p));
  EXPECT_FALSE(ShouldRecycleIdle(1000, p));
  p.mutable_recycle()->set_max_idle_ms(0);
  EXPECT_FALSE(ShouldRecycleIdle(1u << 30, p));
  EXPECT_EQ(RecycleReasonName(RecycleReason::kHeapGrowth), "heap_growth");
  s.cpu_used_us = 0;
  p.mutable_recycle()->set_after_error(false);
  s.recent_runs = 19;
  s.recent_failures = 19;
  EXPECT_EQ(ShouldRecycleAfterRun(s, p), RecycleReason::kNone);  // window not full yet
  s.recent_runs = 20;
  s.recent_failures = 18;
  EXPECT_EQ(ShouldRecycleAfterRun(s, p), RecycleReason::kDegraded);
  s.recent_failures = 17;
  EXPECT_EQ(ShouldRecycleAfterRun(s, p), RecycleReason::kNone);
  EXPECT_TRUE(ShouldRecycleForRss(p.recycle().max_rss_bytes() + 1, p));
  EXPECT_FALSE(ShouldRecycleForRss(p.recycle().max_rss_bytes(), p));
}

TEST(Outcome, AHardKillNamesTheTimeoutAndTheGrace) {
  DeathFacts f;
  f.signal = SIGKILL;
  f.deadline_killed = true;
  f.timeout_ms = 1000;
  f.grace_ms = 20;
  Outcome o = ClassifyWorkerDeath(f);
  EXPECT_EQ(o.status, api::TIMEOUT);
  EXPECT_EQ(o.detail, "the script did not stop at its timeout of 1000 ms and was killed 20 ms later");
}

TEST(Outcome, SupervisorObservationsOutrankHowTheProcessEnded) {
  DeathFacts f;
  f.signal = SIGKILL;
  f.violation_syscall = "openat";
  f.deadline_killed = true;
  Outcome o = ClassifyWorkerDeath(f);
  EXPECT_EQ(o.status, api::POLICY_VIOLATION);
  EXPECT_EQ(o.violation_syscall, "openat");
  f.violation_syscall.clear();
  EXPECT_EQ(ClassifyWorkerDeath(f).status, api::TIMEOUT);
  f.deadline_killed = false;
  f.cancelled = true;
  EXPECT_EQ(ClassifyWorkerDeath(f).status, api::CANCELLED);
  f.cancelled = false;
  f.oom_killed = true;
  EXPECT_EQ(ClassifyWorkerDeath(f).status, api::MEMORY_LIMIT);
  f.oom_killed = false;
  f.fatal_out_of_memory = true;
  EXPECT_EQ(ClassifyWorkerDeath(f).status, api::MEMORY_LIMIT);
  f.fatal_out_of_memory = false;
  f.framing_killed = true;
  f.framing_detail = "oversized";
  o = ClassifyWorkerDeath(f);
  EXPECT_EQ(o.status, api::WORKER_CRASHED);
  EXPECT_NE(o.detail.find("oversized"), std::string::npos);
}

TEST(Outcome, PlainDeaths) {
  DeathFacts f;
  f.signal = SIGSEGV;
  Outcome o = ClassifyWorkerDeath(f);
  EXPECT_EQ(o.status, api::WORKER_CRASHED);
  EXPECT_EQ(o.signal, SIGSEGV);
  EXPECT_NE(o.detail.find("SIGSEGV"), std::string::npos) << o.detail;
  f.signal = SIGXCPU;
  EXPECT_EQ(ClassifyWorkerDeath(f).status, api::TIMEOUT);
  f.signal = SIGSYS;
  EXPECT_EQ(ClassifyWorkerDeath(f).status, api::POLICY_VIOLATION);
  f = DeathFacts{};
  f.exited = true;
  f.exit_code = 3;
  EXPECT_NE(ClassifyWorkerDeath(f).detail.find("code 3"), std::string::npos);
}

TEST(Outcome, SigsysIsAForeignAbiSyscallWhileTheListenerIsInForce) {
  DeathFacts f;
  f.signal = SIGSYS;
  f.listener_in_force = true;
  Outcome o = ClassifyWorkerDeath(f);
  EXPECT_EQ(o.status, api::POLICY_VIOLATION);
  EXPECT_EQ(o.violation_syscall, "unknown");
  EXPECT_EQ(o.signal, SIGSYS);
  EXPECT_NE(o.detail.find("foreign-ABI (32-bit int 0x80 or x32) syscall was refused"),
            std::string::npos)
      << o.detail;
  // Every native syscall is named by the listener in this mode.
  EXPECT_EQ(o.detail.find("kill mode"), std::string::npos) << o.detail;
}

TEST(Outcome, SigsysWithoutTheListenerMayBeAnySyscall) {
  DeathFacts f;
  f.signal = SIGSYS;
  Outcome o = ClassifyWorkerDeath(f);
  EXPECT_EQ(o.status, api::POLICY_VIOLATION);
  EXPECT_EQ(o.violation_syscall, "unknown");
  EXPECT_NE(o.detail.find("foreign-ABI"), std::string::npos) << o.detail;
  EXPECT_NE(o.detail.find("kill mode"), std::string::npos) << o.detail;
  // A named violation still outranks the signal.
  f.violation_syscall = "socket";
  f.signal = SIGKILL;
  EXPECT_EQ(ClassifyWorkerDeath(f).violation_syscall, "socket");
}

TEST(Outcome, SigxfszIsTheFileSizeLimit) {
  DeathFacts f;
  f.signal = SIGXFSZ;
  Outcome o = ClassifyWorkerDeath(f);
  EXPECT_EQ(o.status, api::OUTPUT_LIMIT);
  EXPECT_TRUE(IsLimitTrip(o.status));
  EXPECT_EQ(o.signal, SIGXFSZ);
  EXPECT_TRUE(o.violation_syscall.empty());
  EXPECT_NE(o.detail.find("RLIMIT_FSIZE"), std::string::npos) << o.detail;
  EXPECT_NE(o.detail.find("SIGXFSZ"), std::string::npos) << o.detail;
  // Our own kill for the deadline outranks it.
  f.deadline_killed = true;
  EXPECT_EQ(ClassifyWorkerDeath(f).status, api::TIMEOUT);
}

TEST(Outcome, ExitCodesAreDistinctPerStatus) {
  std::set<int> codes;
  for (int s = api::OK; s <= api::INTERNAL; ++s) {
    codes.insert(ExitCodeFor(static_cast<api::Status>(s)));
  }
  EXPECT_EQ(codes.size(), static_cast<size_t>(api::INTERNAL - api::OK + 1));
  EXPECT_EQ(ExitCodeFor(api::OK), 0);
  EXPECT_EQ(StatusName(api::TIMEOUT), "TIMEOUT");
}

// The tests below hold what tests/fuzz/policy_fuzzer.cc asserts about
// values at the edges of the integer types.
TEST(PolicyLoader, ValidationRejectsValuesTheWorkerSettingsCannotHold) {
  const std::pair<void (*)(Policy*), const char*> cases[] = {
      {[](Policy* p) { p->mutable_limits()->set_worker_nice(4294967295u); }, "worker_nice"},
      {[](Policy* p) { p->mutable_limits()->set_result_bytes(4294967295u); }, "result_bytes"},
      {[](Policy* p) { p->mutable_limits()->set_memory_overhead_bytes(UINT64_MAX); },
       "memory_overhead_bytes"},
      {[](Policy* p) { p->mutable_limits()->set_max_memory_bytes(UINT64_MAX); }, "max_memory_bytes"},
      {[](Policy* p) { p->mutable_recycle()->set_max_error_percent(101); }, "max_error_percent"},
  };
  for (const auto& [change, field] : cases) {
    Policy p = Default();
    change(&p);
    Status st = ValidatePolicy(p);
    ASSERT_FALSE(st.ok()) << field;
    EXPECT_NE(st.message().find(field), std::string::npos) << st.message();
  }
}

TEST(Limits, CpuBackstopDoesNotWrapForTheLongestTimeout) {
  Policy p = Default();
  p.mutable_limits()->set_max_timeout_ms(UINT32_MAX);
  ASSERT_TRUE(ValidatePolicy(p).ok());
  EXPECT_GE(WorkerRlimitsFor(p).cpu_seconds * 1000, 2 * std::uint64_t{UINT32_MAX});
  WorkerStats fresh;
  fresh.executions = 1;
  fresh.last_status = api::OK;
  EXPECT_EQ(ShouldRecycleAfterRun(fresh, p), RecycleReason::kNone);
}

TEST(Recycle, ErrorRateDoesNotOverflow) {
  Policy p = Default();
  p.mutable_recycle()->set_error_window(2);
  p.mutable_recycle()->set_max_error_percent(2147483648u);  // unvalidated: never degraded
  WorkerStats clean;
  clean.executions = 1;
  clean.recent_runs = 2;
  clean.last_status = api::OK;
  EXPECT_EQ(ShouldRecycleAfterRun(clean, p), RecycleReason::kNone);
  p.mutable_recycle()->set_max_error_percent(90);
  p.mutable_recycle()->set_error_window(45000000);
  WorkerStats failing = clean;
  failing.recent_runs = failing.recent_failures = 45000000;  // * 100 passes 2^32
  EXPECT_EQ(ShouldRecycleAfterRun(failing, p), RecycleReason::kDegraded);
}

TEST(Recycle, ResidentMemoryIsCheckedAfterEvery32ndRunAndAfterAHighHeapPeak) {
  Policy p = Default();
  p.mutable_recycle()->set_max_rss_bytes(64u << 20);
  WorkerStats s;
  s.executions = 31;
  s.heap_peak_bytes = 1u << 20;
  EXPECT_FALSE(ShouldCheckRssAfterRun(s, p));
  s.executions = 32;
  EXPECT_TRUE(ShouldCheckRssAfterRun(s, p));
  s.executions = 33;
  s.heap_peak_bytes = (16u << 20) + 1;
  EXPECT_TRUE(ShouldCheckRssAfterRun(s, p));
  p.mutable_recycle()->set_max_rss_bytes(0);
  EXPECT_FALSE(ShouldCheckRssAfterRun(s, p));
}

TEST(PolicyLoader, DaemonMemoryBoundsHaveDefaultsAndAreChecked) {
  Policy p = Default();
  EXPECT_EQ(p.daemon().max_retained_bytes(), 256u << 20);
  EXPECT_EQ(p.daemon().max_retained_bytes_per_key(), 128u << 20);
  EXPECT_EQ(p.daemon().max_buffered_bytes(), 128u << 20);
  EXPECT_EQ(p.daemon().max_connections(), 0u);
  auto share = PolicyFromText("daemon { max_retained_bytes: 1000 max_retained_bytes_per_key: 2000 }", "t", "t");
  ASSERT_FALSE(share.ok());
  EXPECT_NE(share.status().message().find("max_retained_bytes_per_key must be <="), std::string::npos)
      << share.status().message();
  auto buffers = PolicyFromText("daemon { max_buffered_bytes: 1000 }", "t", "t");
  ASSERT_FALSE(buffers.ok());
  EXPECT_NE(buffers.status().message().find("max_buffered_bytes must be >= max_body_bytes"), std::string::npos);
}

TEST(PolicyLoader, SessionLimitsHaveDefaultsAndAreChecked) {
  Policy p = Default();
  EXPECT_EQ(p.sessions().state_bytes(), 10u << 20);
  EXPECT_EQ(p.sessions().history_records(), 100u);
  EXPECT_EQ(p.sessions().ttl_seconds(), 86400u);
  EXPECT_EQ(p.sessions().max_sessions(), 1000u);
  EXPECT_EQ(p.sessions().max_store_bytes(), 1u << 30);
  EXPECT_EQ(p.daemon().state_dir(), "/var/lib/stockade");
  EXPECT_TRUE(PolicyFromText("sessions { max_store_bytes: 0 }", "t", "t").ok());
  for (const char* bad : {"sessions { history_records: 0 }", "sessions { max_per_key: 2000 }",
                          "sessions { state_bytes: 10 }", "daemon { state_dir: \"\" }",
                          "sessions { max_store_bytes: 4096 }"}) {
    auto refused = PolicyFromText(bad, "t", "t");
    EXPECT_FALSE(refused.ok()) << bad;
  }
  auto per_key = PolicyFromText("sessions { max_per_key: 2000 }", "t", "t");
  EXPECT_NE(per_key.status().message().find("sessions.max_per_key must be 1 to sessions.max_sessions"),
            std::string::npos)
      << per_key.status().message();
}

TEST(ConnectionCap, DerivedFromTheFdLimitLessTheWorkersShare) {
  Policy p = Default();  // pool of 10, up to 20
  const ConnectionCap c = ConnectionCapFor(p, 20000);
  EXPECT_EQ(c.reserved_fds, kFdsBase + 20 * kFdsPerWorker);
  EXPECT_EQ(c.cap, kMaxDerivedConnections) << "memory, not descriptors, bounds the derived cap";
  EXPECT_EQ(ConnectionCapFor(p, 1000).cap, 1000 - c.reserved_fds);
  EXPECT_TRUE(c.note.empty());
  p.mutable_pool()->set_size(2);
  p.mutable_pool()->set_max_size(2);
  EXPECT_EQ(ConnectionCapFor(p, 256).cap, 256 - kFdsBase - 2 * kFdsPerWorker);
}

TEST(ConnectionCap, AnExplicitCapIsKeptBelowTheRoomThereIs) {
  Policy p = Default();
  p.mutable_daemon()->set_max_connections(100);
  EXPECT_EQ(ConnectionCapFor(p, 20000).cap, 100u);
  p.mutable_daemon()->set_max_connections(5000);
  EXPECT_EQ(ConnectionCapFor(p, 20000).cap, 5000u) << "an operator may go past the derived cap";
  p.mutable_daemon()->set_max_connections(100);
  const ConnectionCap low = ConnectionCapFor(p, 300);
  EXPECT_EQ(low.cap, 300 - low.reserved_fds);
  EXPECT_NE(low.note.find("lowered"), std::string::npos) << low.note;
}

TEST(ConnectionCap, ATinyFdLimitStillServesAFewAndSaysWhy) {
  Policy p = Default();
  const ConnectionCap c = ConnectionCapFor(p, 64);
  EXPECT_EQ(c.cap, kMinConnections);
  EXPECT_NE(c.note.find("raise the limit"), std::string::npos) << c.note;
}

}  // namespace
}  // namespace stockade::policy
