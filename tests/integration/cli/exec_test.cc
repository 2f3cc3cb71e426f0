// `stockade exec` as a user runs it: a real daemon on a free loopback port
// and a Unix socket, with an API key file, and the real CLI binary against
// it. Each case checks the exit code and what was printed, which must match
// `stockade run` for the same script (see cli_test.cc).
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

namespace {

constexpr char kKey[] = "exec-test-key-0123456789";

// The daemon as a child process: started with its log in a file (so a
// chatty log can never block it on a full pipe), stopped and reaped on
// destruction, and its temporary directory removed.
class Daemon {
 public:
  static std::unique_ptr<Daemon> Start() {
    auto d = std::unique_ptr<Daemon>(new Daemon);
    char tmpl[] = "/tmp/stockade-exec-test-XXXXXX";
    if (!mkdtemp(tmpl)) return nullptr;
    d->dir_ = tmpl;
    std::ofstream(d->dir_ + "/keys") << kKey << " tester\n";
    d->socket_ = d->dir_ + "/api.sock";
    const std::string log = d->dir_ + "/daemon.log";
    const std::string bin = std::string(STOCKADE_BIN_DIR) + "/stockade";
    const std::string unix_listen = "unix:" + d->socket_;
    const std::string keys = d->dir_ + "/keys";
    d->pid_ = fork();
    if (d->pid_ == 0) {
      if (!freopen(log.c_str(), "w", stderr)) _exit(127);
      execl(bin.c_str(), bin.c_str(), "serve", "--listen", "127.0.0.1:0", "--listen", unix_listen.c_str(),
            "--api-keys", keys.c_str(), "--pool-size", "2", static_cast<char*>(nullptr));
      _exit(127);
    }
    // Up when it logs "listening" with the real port for ":0".
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      std::ifstream in(log);
      std::string line;
      while (std::getline(in, line)) {
        if (line.find("\"event\":\"listening\"") == std::string::npos) continue;
        const std::size_t at = line.find("127.0.0.1:");
        if (at == std::string::npos) continue;
        d->url_ = "http://" + line.substr(at, line.find_first_of(" \"", at) - at);
        return d;
      }
      int status = 0;
      if (waitpid(d->pid_, &status, WNOHANG) == d->pid_) {
        d->pid_ = -1;
        ADD_FAILURE() << "the daemon exited at start-up:\n" << Slurp(log);
        return nullptr;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "the daemon did not say \"listening\" within 30 s:\n" << Slurp(log);
    return nullptr;
  }

  ~Daemon() {
    if (pid_ > 0) {
      // SIGTERM, so that the daemon removes its cgroups (a SIGKILLed one
      // leaves them to the next start's sweep); twice if it is still
      // draining after a second, then SIGKILL.
      kill(pid_, SIGTERM);
      if (!ExitedWithin(std::chrono::seconds(1))) {
        kill(pid_, SIGTERM);
        if (!ExitedWithin(std::chrono::seconds(3))) {
          kill(pid_, SIGKILL);
          waitpid(pid_, nullptr, 0);
        }
      }
    }
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }

  const std::string& url() const { return url_; }
  std::string unix_url() const { return "unix:" + socket_; }

 private:
  Daemon() = default;

  // Reaps the daemon if it exits within `timeout`.
  bool ExitedWithin(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    do {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    } while (std::chrono::steady_clock::now() < deadline);
    return false;
  }

  static std::string Slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  pid_t pid_ = -1;
  std::string dir_, socket_, url_;
};

struct Output {
  int code = -1;
  std::string out;
};

// `redirect` picks the streams captured: "2>&1" (both, in order) or
// "2>/dev/null" (stdout alone).
Output Exec(const std::string& args, const std::string& script, const std::string& redirect = "2>&1") {
  char tmpl[] = "/tmp/stockade-exec-script-XXXXXX";
  const int fd = mkstemp(tmpl);
  if (fd < 0) return {};
  ::close(fd);
  std::ofstream(tmpl) << script;
  const std::string cmd = std::string(STOCKADE_BIN_DIR) + "/stockade exec " + args + " " + tmpl + " " + redirect;
  Output o;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    std::array<char, 4096> buf;
    std::size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) o.out.append(buf.data(), n);
    const int st = pclose(p);
    o.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  }
  unlink(tmpl);
  return o;
}

class ExecCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { daemon_ = Daemon::Start().release(); }
  static void TearDownTestSuite() {
    delete daemon_;
    daemon_ = nullptr;
  }
  void SetUp() override {
    if (!daemon_) GTEST_SKIP() << "no daemon (see the start-up failure above)";
  }
  static std::string Args(const std::string& extra = "") {
    return "--url " + daemon_->url() + " --key " + kKey + " " + extra;
  }
  static Daemon* daemon_;
};
Daemon* ExecCli::daemon_ = nullptr;

TEST_F(ExecCli, OkPrintsConsoleLinesThenTheValue) {
  Output o = Exec(Args(), "console.log('one'); console.error('two'); console.log('three'); 6 * 7");
  EXPECT_EQ(o.code, 0) << o.out;
  EXPECT_EQ(o.out, "one\ntwo\nthree\n42\n");
  // Console lines go to the stream the script chose.
  Output stdout_only = Exec(Args(), "console.log('one'); console.error('two'); 6 * 7", "2>/dev/null");
  EXPECT_EQ(stdout_only.out, "one\n42\n");
}

TEST_F(ExecCli, TypeScriptByFlag) {
  Output o = Exec(Args("--language typescript"), "const s: string = 'typed'; s.toUpperCase()");
  EXPECT_EQ(o.code, 0) << o.out;
  EXPECT_EQ(o.out, "\"TYPED\"\n");
}

TEST_F(ExecCli, JsonCarriesTheTypedResult) {
  Output o = Exec(Args("--json"), "console.log('a'); ({x: 1})", "2>/dev/null");
  EXPECT_EQ(o.code, 0) << o.out;
  EXPECT_NE(o.out.find("\"status\":\"OK\""), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("\"valueJson\":\"{\\\"x\\\":1}\""), std::string::npos) << o.out;
  EXPECT_EQ(o.out.find("\na\n"), std::string::npos) << "console lines belong in the JSON only: " << o.out;
}

TEST_F(ExecCli, RuntimeErrorExitsOne) {
  Output o = Exec(Args(), "null.x");
  EXPECT_EQ(o.code, 1) << o.out;
  EXPECT_NE(o.out.find("TypeError"), std::string::npos) << o.out;
}

TEST_F(ExecCli, TimeoutExitsFour) {
  Output o = Exec(Args("--timeout 200ms"), "while (true) {}");
  EXPECT_EQ(o.code, 4) << o.out;
  EXPECT_NE(o.out.find("TIMEOUT"), std::string::npos) << o.out;
}

TEST_F(ExecCli, WrongKeyIsUnauthorized) {
  Output o = Exec("--url " + daemon_->url() + " --key not-the-right-key-at-all", "1");
  EXPECT_EQ(o.code, 12) << o.out;
  EXPECT_NE(o.out.find("UNAUTHORIZED"), std::string::npos) << o.out;
  Output none = Exec("--url " + daemon_->url(), "1");
  EXPECT_EQ(none.code, 12) << none.out;
}

TEST_F(ExecCli, UnreachableDaemonIsInternal) {
  // Port 1 on loopback: nothing listens there.
  Output o = Exec("--url http://127.0.0.1:1 --key x", "1");
  EXPECT_EQ(o.code, 13) << o.out;
  EXPECT_NE(o.out.find("cannot connect to http://127.0.0.1:1"), std::string::npos) << o.out;
  Output missing = Exec("--url unix:/nonexistent/stockade.sock", "1");
  EXPECT_EQ(missing.code, 13) << missing.out;
}

TEST_F(ExecCli, UnixSocketUrl) {
  Output o = Exec("--url " + daemon_->unix_url() + " --key " + kKey, "console.log('via unix'); 'ok'");
  EXPECT_EQ(o.code, 0) << o.out;
  EXPECT_EQ(o.out, "via unix\n\"ok\"\n");
}

TEST_F(ExecCli, UsageErrorsExitTwo) {
  EXPECT_EQ(Exec("", "1").code, 2);                              // no --url
  EXPECT_EQ(Exec("--url ftp://x " + std::string("--key k"), "1").code, 2);  // not http:// or unix:
  EXPECT_EQ(Exec(Args("--timeout zero"), "1").code, 2);
}

}  // namespace
