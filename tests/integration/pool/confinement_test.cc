// Confinement, checked against real workers. The hostile test worker (built
// from tests/testcases, never shipped) attempts one forbidden thing per run;
// each attempt must end the worker with the right typed outcome, and the
// pool must carry on. Confinement is also read from the outside via /proc.
#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <set>
#include <sstream>
#include <string_view>
#include <thread>

#include "policy/limits.h"
#include "policy/request_validation.h"
#include "tests/integration/test_support.h"
#include "tests/testcases/kernel_probes.h"

namespace stockade::testing {
namespace {

using namespace std::chrono_literals;

class Hostile : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sup_ = StartSupervisor(TestPolicy(2), HostileWorkerBinary()).release();
  }
  static void TearDownTestSuite() {
    delete sup_;
    sup_ = nullptr;
  }
  static supervisor::Supervisor* sup_;
};
supervisor::Supervisor* Hostile::sup_ = nullptr;

// A run that comes back OK did the forbidden thing and lived to return.
void ExpectNoEscape(const api::ExecutionResult& r, const std::string& what) {
  if (r.status() == api::OK) {
    ADD_FAILURE() << "SANDBOX ESCAPE: the sandbox let " << what
                  << " through; it returned " << r.value_json() << " instead of ending the worker";
  }
}

struct Attempt {
  const char* action;
  const char* syscall;  // as the kernel (and the report) names it
};

class ForbiddenSyscall : public Hostile, public ::testing::WithParamInterface<Attempt> {};

TEST_P(ForbiddenSyscall, KillsTheWorkerAndNamesTheSyscall) {
  const Attempt& a = GetParam();
  api::ExecutionResult r = sup_->Run(Code(std::string("hostile.syscall('") + a.action + "')", 3000));
  ExpectNoEscape(r, std::string("hostile.syscall('") + a.action + "')");
  EXPECT_EQ(r.status(), api::POLICY_VIOLATION) << a.action << ": " << r.detail() << " value=" << r.value_json();
  if (sup_->confinement().seccomp_mode() == "user-notify") {
    EXPECT_EQ(r.violation_syscall(), a.syscall);
  }
  EXPECT_FALSE(r.session_usable());
  EXPECT_EQ(sup_->Run(Code("1+1")).value_json(), "2");
}

INSTANTIATE_TEST_SUITE_P(
    Table, ForbiddenSyscall,
    ::testing::Values(Attempt{"open", "open"}, Attempt{"openat", "openat"},
                      Attempt{"socket", "socket"}, Attempt{"connect", "connect"},
                      Attempt{"execve", "execve"}, Attempt{"fork", "fork"},
                      Attempt{"clone", "clone"}, Attempt{"clone3", "clone3"},
                      Attempt{"ptrace", "ptrace"}, Attempt{"mprotect_exec", "mprotect"},
                      Attempt{"mmap_exec", "mmap"}, Attempt{"io_uring_setup", "io_uring_setup"},
                      Attempt{"ioctl", "ioctl"}, Attempt{"tiocsti", "ioctl"},
                      Attempt{"kill", "kill"}, Attempt{"getpid", "getpid"},
                      Attempt{"dup", "dup"}),
    [](const auto& info) { return std::string(info.param.action); });

// A syscall through another ABI is checked against the filter's
// architecture, not its allowlist: even write, allowed natively, must kill.
struct ForeignCall {
  const char* name;
  const char* method;  // hostile.int80 (i386) or hostile.x32
  int nr;              // in that ABI's table
};


class ForeignAbi : public Hostile, public ::testing::WithParamInterface<ForeignCall> {};

TEST_P(ForeignAbi, IsKilledByTheBadArchAction) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "int $0x80 and x32 are x86-64 calling conventions";
#else
  const ForeignCall& c = GetParam();
  if (std::string_view(c.method) == "int80" && !KernelRunsInt80()) {
    GTEST_SKIP() << "this kernel has no IA32 emulation (CONFIG_IA32_EMULATION off or "
                    "ia32_emulation=0): int $0x80 faults before seccomp";
  }
  const std::string code = std::string("hostile.") + c.method + "(" + std::to_string(c.nr) + ")";
  api::ExecutionResult r = sup_->Run(Code(code, 3000));
  ExpectNoEscape(r, code + " (" + c.name + ")");
  EXPECT_EQ(r.status(), api::POLICY_VIOLATION) << code << ": " << r.detail();
  EXPECT_EQ(r.signal(), SIGSYS) << r.detail();
  EXPECT_EQ(r.violation_syscall(), "unknown");  // the kernel's kill leaves no name
  EXPECT_NE(r.detail().find("foreign-ABI (32-bit int 0x80 or x32) syscall was refused"),
            std::string::npos)
      << r.detail();
  EXPECT_FALSE(r.session_usable());
  EXPECT_EQ(sup_->Run(Code("1+1")).value_json(), "2");
#endif
}

// Every call carries 0xffffffff / -1 arguments, so one that got through
// would fail harmlessly and return, and the test reports the escape.
INSTANTIATE_TEST_SUITE_P(
    Table, ForeignAbi,
    ::testing::Values(ForeignCall{"int80_getpid", "int80", 20}, ForeignCall{"int80_write", "int80", 4},
                      ForeignCall{"int80_open", "int80", 5},
                      ForeignCall{"int80_socketcall", "int80", 102},
                      ForeignCall{"x32_getpid", "x32", 39}, ForeignCall{"x32_write", "x32", 1},
                      ForeignCall{"x32_open", "x32", 2}, ForeignCall{"x32_socket", "x32", 41}),
    [](const auto& info) { return std::string(info.param.name); });

// A write one byte past RLIMIT_FSIZE must not get through. Outside a pid
// namespace SIGXFSZ ends the worker (OUTPUT_LIMIT). As the init of its own
// pid namespace the worker never gets that signal (the kernel discards
// unforced default-action signals to a namespace's init, SIGXCPU too), so
// there the write must fail with EFBIG at exactly the limit instead.
void ExpectFileSizeLimitHeld(const api::ExecutionResult& r, std::uint64_t limit) {
  if (r.status() == api::OK) {
    const std::string text = r.value_json().substr(1, r.value_json().size() - 2);
    std::uint64_t total = 0;
    int err = 0;
    std::istringstream(text) >> total >> err;
    if (total > limit) {
      ADD_FAILURE() << "SANDBOX ESCAPE: the sandbox let a write past RLIMIT_FSIZE through: the "
                    << "memfd holds " << total << " bytes, the limit is " << limit;
      return;
    }
    EXPECT_NE(r.namespaces().find("pid"), std::string::npos)
        << "the worker survived SIGXFSZ outside a pid namespace: " << text;
    EXPECT_EQ(total, limit) << text;
    EXPECT_EQ(err, EFBIG) << text;
    return;
  }
  EXPECT_EQ(r.status(), api::OUTPUT_LIMIT) << r.detail();
  EXPECT_EQ(r.signal(), SIGXFSZ) << r.detail();
  EXPECT_TRUE(r.violation_syscall().empty()) << r.violation_syscall();
  EXPECT_NE(r.detail().find("RLIMIT_FSIZE"), std::string::npos) << r.detail();
  EXPECT_NE(r.detail().find("SIGXFSZ"), std::string::npos) << r.detail();
}

// write() is allowed, so only RLIMIT_FSIZE stands between native code with
// a regular file (a memfd, made before the filter) and unbounded writes.
TEST_F(Hostile, WritingPastTheFileSizeLimitIsStoppedByTheRlimit) {
  const std::uint64_t limit = policy::WorkerRlimitsFor(sup_->policy()).file_size_bytes;
  api::ExecutionResult small =
      sup_->Run(Code("var w = hostile.fsize(4096); [w.written, w.errno, w.limit].join(' ')", 3000));
  ASSERT_EQ(small.status(), api::OK) << small.detail();
  // The filter let the write through and the worker sees the policy's limit:
  // whatever stops the next run is that limit, not the filter.
  std::ostringstream want;
  want << "\"4096 0 " << limit << '"';
  EXPECT_EQ(small.value_json(), want.str());

  api::ExecutionResult r =
      sup_->Run(Code("var w = hostile.fsize(); [w.total, w.errno].join(' ')", 10000));
  ExpectFileSizeLimitHeld(r, limit);
  EXPECT_EQ(sup_->Run(Code("1+1")).value_json(), "2");
}

// Without a pid namespace the worker is an ordinary process, and the
// kernel's SIGXFSZ ends it: the run reports OUTPUT_LIMIT naming the rlimit.
TEST(FileSizeLimit, OutsideAPidNamespaceSigxfszEndsTheRunAsOutputLimit) {
  policy::Policy p = TestPolicy(1);
  p.mutable_namespaces()->set_use("user,net,mount,ipc,uts,cgroup");
  auto sup = StartSupervisor(p, HostileWorkerBinary());
  ASSERT_NE(sup, nullptr);
  const std::uint64_t limit = policy::WorkerRlimitsFor(sup->policy()).file_size_bytes;
  api::ExecutionResult r = sup->Run(Code("var w = hostile.fsize(); [w.total, w.errno].join(' ')", 10000));
  EXPECT_EQ(r.namespaces().find("pid"), std::string::npos) << r.namespaces();
  ExpectFileSizeLimitHeld(r, limit);
  EXPECT_EQ(r.status(), api::OUTPUT_LIMIT) << r.detail();
  EXPECT_EQ(sup->Run(Code("1+1")).value_json(), "2");
}

// dup is forbidden by the filter (see the table above), so the worker
// probed RLIMIT_NOFILE in main() before the filter was loaded.
TEST_F(Hostile, DescriptorsPastTheOpenFileLimitAreRefused) {
  const std::uint64_t limit = policy::WorkerRlimitsFor(sup_->policy()).open_files;
  api::ExecutionResult r = sup_->Run(
      Code("var n = hostile.nofile(); [n.opened, n.errno, n.limit, n.alreadyOpen].join(' ')"));
  ASSERT_EQ(r.status(), api::OK) << r.detail();
  const std::string text = r.value_json().substr(1, r.value_json().size() - 2);
  long opened = -1, err = -1, seen_limit = -1, already_open = -1;
  std::istringstream(text) >> opened >> err >> seen_limit >> already_open;
  ASSERT_EQ(seen_limit, static_cast<long>(limit)) << text;
  EXPECT_GT(opened, 0) << text;
  EXPECT_EQ(err, EMFILE) << "dup(0) stopped with errno " << err << ", not EMFILE (" << text << ")";
  EXPECT_LE(opened + already_open, seen_limit)
      << "SANDBOX ESCAPE: the sandbox let the worker hold " << opened + already_open
      << " descriptors, more than RLIMIT_NOFILE (" << seen_limit << ") allows";
  EXPECT_EQ(opened + already_open, seen_limit) << "dup stopped short of the limit: " << text;
}

class GarbageFrame : public Hostile, public ::testing::WithParamInterface<const char*> {};

TEST_P(GarbageFrame, KillsAndReplacesTheWorker) {
  api::ExecutionResult r = sup_->Run(Code(std::string("hostile.garbage('") + GetParam() + "'); 1", 3000));
  EXPECT_EQ(r.status(), api::WORKER_CRASHED) << r.detail();
  EXPECT_NE(r.detail().find("frame"), std::string::npos) << r.detail();
  EXPECT_EQ(sup_->Run(Code("'still serving'")).value_json(), "\"still serving\"");
}

INSTANTIATE_TEST_SUITE_P(Kinds, GarbageFrame,
                         ::testing::Values("oversized", "unparseable", "truncated", "empty",
                                           "console_flood", "wrong_result"),
                         [](const auto& info) { return std::string(info.param); });

// Scripts have no way left to put raw bytes in a string (CBOR is gone);
// a worker that has been taken over writes what it likes. Whatever bytes
// it puts in the value, a console line or an error, the answer is valid
// UTF-8 and the value valid JSON: overlong forms of '"' and '\' (C0 A2,
// C1 9C) must not end a JSON string early.
void ExpectValidUtf8(const api::ExecutionResult& r) {
  for (const std::string* text : {&r.value_json(), &r.detail(), &r.error().name(), &r.error().message(),
                                   &r.error().stack()}) {
    EXPECT_EQ(policy::FindInvalidUtf8(*text), std::string_view::npos) << "not valid UTF-8: " << *text;
  }
  for (const api::ConsoleLine& line : r.console()) {
    EXPECT_EQ(policy::FindInvalidUtf8(line.text()), std::string_view::npos) << "console: " << line.text();
  }
}

constexpr char kRawStrings[] =
    "var quote = hostile.bytes([0x41, 0xc0, 0xa2, 0xc1, 0x9c, 0x42]);"
    "var nul = hostile.bytes([0xc0, 0x80]);"
    "var junk = hostile.bytes([0x41, 0xff, 0xe2, 0x82]);"
    "var surrogate = hostile.bytes([0xed, 0xa0, 0x80]);";

TEST_F(Hostile, InvalidUtf8InTheValueAndConsoleComesOutValid) {
  api::ExecutionResult r = sup_->Run(Code(std::string(kRawStrings) +
                                              "console.log(quote, junk, surrogate); var o = {}; o[nul] = 'ok';"
                                              "[quote.length, quote, o]",
                                          3000));
  ASSERT_EQ(r.status(), api::OK) << r.detail();
  EXPECT_EQ(r.value_json(), R"([4,"A\u0022\u005cB",{"\u0000":"ok"}])");
  ASSERT_EQ(r.console_size(), 1);
  EXPECT_EQ(r.console(0).text().substr(0, 1), "A");
  ExpectValidUtf8(r);
}

TEST_F(Hostile, InvalidUtf8InAnErrorComesOutValid) {
  api::ExecutionResult r = sup_->Run(
      Code(std::string(kRawStrings) + "var e = new Error(quote + junk); e.name = junk + surrogate; throw e;", 3000));
  EXPECT_EQ(r.status(), api::RUNTIME_ERROR) << r.detail();
  EXPECT_EQ(r.error().message().substr(0, 1), "A") << r.error().message();
  ExpectValidUtf8(r);
  r = sup_->Run(Code(std::string(kRawStrings) + "throw junk + quote;", 3000));
  EXPECT_EQ(r.status(), api::RUNTIME_ERROR) << r.detail();
  ExpectValidUtf8(r);
}

TEST_F(Hostile, ASegfaultIsReportedWithItsSignal) {
  api::ExecutionResult r = sup_->Run(Code("hostile.crash()", 3000));
  EXPECT_EQ(r.status(), api::WORKER_CRASHED);
  EXPECT_EQ(r.signal(), SIGSEGV);
}

TEST_F(Hostile, CodeThatNeverYieldsIsHardKilledAsTimeout) {
  const auto t0 = std::chrono::steady_clock::now();
  api::ExecutionResult r = sup_->Run(Code("hostile.spin()", 200));
  EXPECT_EQ(r.status(), api::TIMEOUT) << r.detail();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
}

TEST(KillMode, WithoutTheListenerTheFilterStillKills) {
  policy::Policy p = TestPolicy(1);
  p.mutable_seccomp()->set_unsafe_disable_user_notify(true);
  auto sup = StartSupervisor(p, HostileWorkerBinary());
  ASSERT_TRUE(sup);
  EXPECT_EQ(sup->confinement().seccomp_mode(), "kill");
  api::ExecutionResult r = sup->Run(Code("hostile.syscall('socket')", 3000));
  EXPECT_EQ(r.status(), api::POLICY_VIOLATION) << r.detail();
  EXPECT_EQ(r.violation_syscall(), "unknown");  // the kernel's kill leaves no name
  EXPECT_EQ(r.signal(), SIGSYS);
  EXPECT_NE(r.detail().find("kill mode"), std::string::npos) << r.detail();
  EXPECT_EQ(sup->Run(Code("1+1")).value_json(), "2");
}

// From the outside: what an idle worker looks like to the kernel.
class Outside : public ::testing::Test {
 protected:
  void SetUp() override {
    sup_ = StartSupervisor(TestPolicy(1));
    ASSERT_TRUE(sup_);
    ASSERT_TRUE(sup_->WaitUntilIdle(5s));
    pid_ = sup_->Stats().workers.at(0).pid;
    ASSERT_GT(pid_, 0);
  }
  std::unique_ptr<supervisor::Supervisor> sup_;
  pid_t pid_ = -1;
};

TEST_F(Outside, RlimitsAreInForce) {
  const std::string limits = Slurp("/proc/" + std::to_string(pid_) + "/limits");
  const policy::WorkerRlimits want = policy::WorkerRlimitsFor(sup_->policy());
  auto row = [&](const std::string& name) {
    const auto at = limits.find(name);
    EXPECT_NE(at, std::string::npos) << name;
    return limits.substr(at, limits.find('\n', at) - at);
  };
  EXPECT_NE(row("Max address space").find(std::to_string(want.address_space_bytes)), std::string::npos);
  EXPECT_NE(row("Max cpu time").find(std::to_string(want.cpu_seconds)), std::string::npos);
  EXPECT_NE(row("Max file size").find(std::to_string(want.file_size_bytes)), std::string::npos);
  EXPECT_NE(row("Max open files").find(std::to_string(want.open_files)), std::string::npos);
  EXPECT_NE(row("Max core file size").find(" 0 "), std::string::npos) << row("Max core file size");
  EXPECT_NE(row("Max processes").find(" 0 "), std::string::npos) << row("Max processes");
}

TEST_F(Outside, OnlyItsPipesAnEmptyEnvironmentAndAFilter) {
  std::set<std::string> fds;
  const std::string dir = "/proc/" + std::to_string(pid_) + "/fd";
  DIR* d = opendir(dir.c_str());
  ASSERT_NE(d, nullptr);
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') fds.insert(e->d_name);
  }
  closedir(d);
  std::set<std::string> want = {"0", "1"};
  if (sup_->confinement().seccomp_mode() == "user-notify") want.insert("2");  // the listener
  EXPECT_EQ(fds, want);
  EXPECT_TRUE(Slurp("/proc/" + std::to_string(pid_) + "/environ").empty());
  const std::string status = Slurp("/proc/" + std::to_string(pid_) + "/status");
  EXPECT_NE(status.find("NoNewPrivs:\t1"), std::string::npos);
  EXPECT_NE(status.find("Seccomp:\t2"), std::string::npos);
}

TEST_F(Outside, RunsAsNobodyWithoutCapabilities) {
  if (geteuid() != 0) GTEST_SKIP() << "identity switching needs a root supervisor";
  const std::string status = Slurp("/proc/" + std::to_string(pid_) + "/status");
  EXPECT_NE(status.find("Uid:\t65534\t65534\t65534\t65534"), std::string::npos) << status;
  EXPECT_NE(status.find("Gid:\t65534\t65534\t65534\t65534"), std::string::npos) << status;
  EXPECT_NE(status.find("Groups:\t \n"), std::string::npos) << status;  // none
  for (const char* set : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"}) {
    EXPECT_NE(status.find(std::string(set) + ":\t0000000000000000"), std::string::npos) << set;
  }
  EXPECT_NE(sup_->confinement().identity().find("no capabilities"), std::string::npos);
}

TEST(Scheduling, WorkersRunAtThePolicysNiceness) {
  policy::Policy p = TestPolicy(1);
  p.mutable_limits()->set_worker_nice(7);
  auto sup = StartSupervisor(p);
  ASSERT_TRUE(sup);
  ASSERT_TRUE(sup->WaitUntilIdle(5s));
  const std::string stat = Slurp("/proc/" + std::to_string(sup->Stats().workers.at(0).pid) + "/stat");
  // Field 19 is the nice value; fields after the ")" of the command name.
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string field;
  for (int i = 3; i <= 19; ++i) fields >> field;
  EXPECT_EQ(field, "7") << stat;
}

// A copy of the worker in a private directory (mode 0700), with `mode`.
std::string PrivateWorkerCopy(mode_t mode) {
  char dir[] = "/tmp/stockade-private-XXXXXX";
  EXPECT_NE(mkdtemp(dir), nullptr);
  chmod(dir, 0700);
  const std::string path = std::string(dir) + "/stockade-worker";
  std::ifstream src(WorkerBinary(), std::ios::binary);
  std::ofstream(path, std::ios::binary) << src.rdbuf();
  chmod(path.c_str(), mode);
  return path;
}

void ExpectWorkerIdentity(const std::string& worker, const std::string& uid_line,
                          const std::string& identity_says) {
  auto sup = StartSupervisor(TestPolicy(1), worker);
  ASSERT_TRUE(sup);
  EXPECT_EQ(sup->Run(Code("6*7")).value_json(), "42");
  ASSERT_TRUE(sup->WaitUntilIdle(5s));
  const pid_t pid = sup->Stats().workers.at(0).pid;
  const std::string status = Slurp("/proc/" + std::to_string(pid) + "/status");
  EXPECT_NE(status.find(uid_line), std::string::npos) << status;
  for (const char* set : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"}) {
    EXPECT_NE(status.find(std::string(set) + ":\t0000000000000000"), std::string::npos) << set;
  }
  EXPECT_NE(sup->confinement().identity().find(identity_says), std::string::npos)
      << sup->confinement().identity();
}

TEST(Identity, AWorkerInAPrivateDirectoryStillRunsAsNobody) {
  if (geteuid() != 0) GTEST_SKIP() << "identity switching needs a root supervisor";
  const std::string worker = PrivateWorkerCopy(0755);
  ExpectWorkerIdentity(worker, "Uid:\t65534\t65534\t65534\t65534", "uid 65534");
  unlink(worker.c_str());
  rmdir(worker.substr(0, worker.rfind('/')).c_str());
}

TEST(Identity, AWorkerOthersCannotExecuteRunsAsRootWithoutCapabilities) {
  if (geteuid() != 0) GTEST_SKIP() << "identity switching needs a root supervisor";
  const std::string worker = PrivateWorkerCopy(0700);
  ExpectWorkerIdentity(worker, "Uid:\t0\t0\t0\t0", "without capabilities");
  unlink(worker.c_str());
  rmdir(worker.substr(0, worker.rfind('/')).c_str());
}

TEST_F(Outside, CgroupMembershipWhenTheHostHasCgroups) {
  if (sup_->confinement().cgroup() == "none") {
    GTEST_SKIP() << "no cgroups on this host: " << sup_->confinement().cgroup_detail();
  }
  const std::string cg = Slurp("/proc/" + std::to_string(pid_) + "/cgroup");
  EXPECT_NE(cg.find("stockade-"), std::string::npos) << cg;
}

}  // namespace
}  // namespace stockade::testing
