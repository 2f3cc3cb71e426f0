// Shared set-up for the daemon's integration tests: the real `stockade serve`
// process on a free loopback port and a Unix socket in a temp dir, requests
// through http_test_client.h, and helpers to read the daemon's JSON answers,
// its metrics and its processes.
//
// Daemon is an RAII owner: its destructor stops and reaps the daemon (and
// the daemon's workers die with it), so a failing test never leaves a
// process behind: SIGTERM, a second one (stop now) if it is still draining
// a second later, SIGKILL as the last resort. Never SIGKILL first: a
// daemon killed so cannot remove its stockade-<pid> cgroups, which would
// wait for the next daemon's start to sweep them. Nothing here asserts timings tighter than seconds: these
// tests run on loaded 2-core machines.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "tests/integration/http_test_client.h"
#include "proto/api.pb.h"

namespace stockade::testing {

// asio, beast, http, Clock and the chrono literals come from
// http_test_client.h.

inline std::string StockadeBinary() { return std::string(STOCKADE_BIN_DIR) + "/stockade"; }

// ---- Temp directory ----

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/stockade-dtest-XXXXXX";
    const char* p = ::mkdtemp(tmpl);
    EXPECT_NE(p, nullptr) << std::strerror(errno);
    if (p) path_ = p;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Write(const std::string& name, const std::string& content) const {
    const std::string file = path_ + "/" + name;
    std::ofstream(file) << content;
    return file;
  }

 private:
  std::string path_;
};

// ---- The daemon process ----

struct DaemonOptions {
  std::string policy_text;          // written to a file, passed as --policy
  std::string api_keys_text;        // written to a file, passed as --api-keys
  std::uint32_t pool_size = 2;      // --pool-size (0: the policy's)
  bool unix_socket = true;          // also --listen unix:<tmp>/d.sock
  std::string worker;               // --worker
  std::vector<std::string> prefix;  // run under e.g. {"unshare", "--pid", ...}
  std::vector<std::string> extra_args;
  // --state-dir (the session store); default: a directory in the daemon's
  // temp dir, so tests never share the host's /var/lib/stockade.
  std::string state_dir;
  std::chrono::milliseconds ready_timeout = 30s;
};

class Daemon {
 public:
  // Starts the daemon and waits for its "listening" log line. On failure
  // records a test failure and returns nullptr.
  static std::unique_ptr<Daemon> Start(const DaemonOptions& options = {}) {
    auto d = Launch(options);
    if (!d) return nullptr;
    if (!d->WaitForReady(options.ready_timeout)) {
      ADD_FAILURE() << "daemon did not log \"listening\" in time; its log:\n" << d->log();
      return nullptr;
    }
    return d;
  }

  // Starts the daemon without waiting for it to listen (for tests of a
  // daemon that must refuse to start: WaitExit, then log()).
  static std::unique_ptr<Daemon> Launch(const DaemonOptions& options = {}) {
    auto d = std::unique_ptr<Daemon>(new Daemon());
    std::vector<std::string> args = options.prefix;
    args.push_back(StockadeBinary());
    args.push_back("serve");
    args.insert(args.end(), {"--listen", "127.0.0.1:0", "--log-level", "info"});
    if (options.unix_socket) {
      d->unix_path_ = d->dir_.path() + "/d.sock";
      args.insert(args.end(), {"--listen", "unix:" + d->unix_path_});
    }
    if (!options.policy_text.empty()) {
      args.insert(args.end(), {"--policy", d->dir_.Write("policy.textproto", options.policy_text)});
    }
    if (!options.api_keys_text.empty()) {
      args.insert(args.end(), {"--api-keys", d->dir_.Write("keys.txt", options.api_keys_text)});
    }
    if (options.pool_size) args.insert(args.end(), {"--pool-size", std::to_string(options.pool_size)});
    if (!options.worker.empty()) args.insert(args.end(), {"--worker", options.worker});
    args.insert(args.end(), {"--state-dir", options.state_dir.empty() ? d->dir_.path() + "/state" : options.state_dir});
    args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
    if (!d->Spawn(args)) return nullptr;
    return d;
  }

  ~Daemon() {
    if (pid_ > 0 && !exit_status_) {
      ::kill(pid_, SIGTERM);
      if (!WaitExit(1s)) {
        ::kill(pid_, SIGTERM);
        if (!WaitExit(3s)) {
          ::kill(pid_, SIGKILL);
          int st = 0;
          ::waitpid(pid_, &st, 0);
        }
      }
    }
    stop_reader_ = true;
    if (reader_.joinable()) reader_.join();
    if (log_fd_ >= 0) ::close(log_fd_);
  }
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  pid_t pid() const { return pid_; }
  std::uint16_t port() const { return port_; }
  const std::string& unix_path() const { return unix_path_; }
  const TempDir& dir() const { return dir_; }

  std::string log() const {
    std::lock_guard<std::mutex> lock(mu_);
    return log_;
  }
  bool WaitForLog(const std::string& needle, std::chrono::milliseconds timeout) const {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      if (log().find(needle) != std::string::npos) return true;
      std::this_thread::sleep_for(20ms);
    }
    return log().find(needle) != std::string::npos;
  }

  void Signal(int sig) const {
    if (pid_ > 0 && !exit_status_) ::kill(pid_, sig);
  }
  bool Alive() {
    if (exit_status_) return false;
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) {
      exit_status_ = st;
      return false;
    }
    return true;
  }
  // The exit code (128 + signal when killed), or nullopt if still running
  // after `timeout`.
  std::optional<int> WaitExit(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Alive() && Clock::now() < deadline) std::this_thread::sleep_for(10ms);
    if (!exit_status_) return std::nullopt;
    const int st = *exit_status_;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }

 private:
  Daemon() = default;

  bool Spawn(const std::vector<std::string>& args) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      ADD_FAILURE() << "pipe2: " << std::strerror(errno);
      return false;
    }
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) {
      ADD_FAILURE() << "fork: " << std::strerror(errno);
      return false;
    }
    if (pid_ == 0) {
      // Async-signal-safe only: never outlive the test, log to the pipe.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
      ::dup2(fds[1], 2);
      ::execvp(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    log_fd_ = fds[0];
    reader_ = std::thread([this] { ReadLog(); });
    return true;
  }

  // Workers may inherit the daemon's stderr, so EOF can come late: poll
  // with a stop flag instead of blocking in read.
  void ReadLog() {
    char buf[4096];
    while (!stop_reader_) {
      pollfd p{log_fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const ssize_t n = ::read(log_fd_, buf, sizeof buf);
      if (n <= 0) break;
      std::lock_guard<std::mutex> lock(mu_);
      log_.append(buf, static_cast<std::size_t>(n));
    }
  }

  bool WaitForReady(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      const std::string text = log();
      const std::size_t at = text.find("\"event\":\"listening\"");
      if (at != std::string::npos) {
        const std::size_t line_end = text.find('\n', at);
        const std::string line = text.substr(at, line_end == std::string::npos ? std::string::npos : line_end - at);
        const std::string key = "\"addresses\":\"";
        const std::size_t a = line.find(key);
        if (a == std::string::npos) return false;
        const std::string addresses = line.substr(a + key.size(), line.find('"', a + key.size()) - a - key.size());
        std::istringstream in(addresses);
        std::string one;
        while (in >> one) {
          if (one.rfind("unix:", 0) == 0) continue;
          port_ = static_cast<std::uint16_t>(std::stoi(one.substr(one.rfind(':') + 1)));
        }
        return port_ != 0;
      }
      if (!Alive()) return false;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  TempDir dir_;
  pid_t pid_ = -1;
  std::optional<int> exit_status_;
  std::uint16_t port_ = 0;
  std::string unix_path_;
  int log_fd_ = -1;
  std::thread reader_;
  std::atomic<bool> stop_reader_{false};
  mutable std::mutex mu_;
  std::string log_;
};

// One request on a fresh TCP connection.
inline Reply Call(const Daemon& d, http::verb method, const std::string& target,
                  const std::string& body = "", const std::string& key = "",
                  std::chrono::milliseconds timeout = 30s) {
  Connection c = Connection::Tcp(d.port());
  return c.Request(method, target, body, key, timeout, /*keep_alive=*/false);
}
inline Reply Post(const Daemon& d, const std::string& body, const std::string& key = "",
                  std::chrono::milliseconds timeout = 30s) {
  return Call(d, http::verb::post, "/v1/executions", body, key, timeout);
}
inline Reply Get(const Daemon& d, const std::string& target, const std::string& key = "",
                 std::chrono::milliseconds timeout = 30s) {
  return Call(d, http::verb::get, target, "", key, timeout);
}
inline Reply Delete(const Daemon& d, const std::string& target, const std::string& key = "") {
  return Call(d, http::verb::delete_, target, "", key);
}

// ---- JSON ----

// A JSON string literal (for building request bodies around JS source).
inline std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char esc[8];
          std::snprintf(esc, sizeof esc, "\\u%04x", c);
          out += esc;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// {"code": ..., "limits": {"timeoutMs": ...}, "wait": ...}
inline std::string ExecBody(const std::string& code, std::uint32_t timeout_ms = 0,
                            std::optional<bool> wait = std::nullopt) {
  std::string body = "{\"code\":" + JsonString(code);
  if (timeout_ms) body += ",\"limits\":{\"timeoutMs\":" + std::to_string(timeout_ms) + "}";
  if (wait) body += std::string(",\"wait\":") + (*wait ? "true" : "false");
  return body + "}";
}

// Parses an answer with the API's own schema; unknown fields fail the test.
template <typename Message>
Message FromJson(const std::string& json) {
  Message m;
  google::protobuf::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = false;
  const auto st = google::protobuf::util::JsonStringToMessage(json, &m, opts);
  EXPECT_TRUE(st.ok()) << st.message() << "\n" << json;
  return m;
}

// Polls GET /v1/executions/{id} until DONE (or the timeout).
inline api::Execution WaitDone(const Daemon& d, const std::string& id, const std::string& key = "",
                               std::chrono::milliseconds timeout = 30s) {
  const auto deadline = Clock::now() + timeout;
  api::Execution e;
  while (Clock::now() < deadline) {
    Reply r = Get(d, "/v1/executions/" + id, key);
    if (r.status != 200) {
      ADD_FAILURE() << "GET " << id << ": " << r.status << " " << r.error << " " << r.body;
      return e;
    }
    e = FromJson<api::Execution>(r.body);
    if (e.state() == api::DONE) return e;
    std::this_thread::sleep_for(20ms);
  }
  ADD_FAILURE() << "execution " << id << " not DONE after the timeout";
  return e;
}

// Polls GET until the execution is RUNNING (a worker has it).
inline bool WaitRunning(const Daemon& d, const std::string& id, const std::string& key = "",
                        std::chrono::milliseconds timeout = 20s) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    Reply r = Get(d, "/v1/executions/" + id, key);
    if (r.status == 200 && FromJson<api::Execution>(r.body).state() == api::RUNNING) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

// ---- Metrics ----

// The value of one series, e.g. `stockade_executions_total{status="OK"}`;
// 0 when the series is absent (a counter not yet touched).
inline double MetricValue(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::strtod(line.c_str() + series.size() + 1, nullptr);
  }
  return 0;
}

// The sum over every label set of a metric name.
inline double MetricSum(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  std::string line;
  double sum = 0;
  while (std::getline(in, line)) {
    if (line.rfind(name + "{", 0) == 0 || line.rfind(name + " ", 0) == 0) {
      const std::size_t space = line.rfind(' ');
      sum += std::strtod(line.c_str() + space + 1, nullptr);
    }
  }
  return sum;
}

inline std::string Scrape(const Daemon& d) {
  Reply r = Get(d, "/metrics");
  EXPECT_EQ(r.status, 200) << r.error;
  return r.body;
}

// ---- Processes ----

struct ProcInfo {
  pid_t pid = 0;
  pid_t ppid = 0;
  char state = '?';
  std::string exe;  // readlink /proc/pid/exe ("" when unreadable or gone)
};

inline std::optional<ProcInfo> ReadProc(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return std::nullopt;
  const std::size_t close = stat.rfind(')');  // comm may hold spaces and parens
  if (close == std::string::npos || close + 4 >= stat.size()) return std::nullopt;
  ProcInfo p;
  p.pid = pid;
  p.state = stat[close + 2];
  p.ppid = static_cast<pid_t>(std::strtol(stat.c_str() + close + 4, nullptr, 10));
  char buf[4096];
  const std::string link = "/proc/" + std::to_string(pid) + "/exe";
  const ssize_t n = ::readlink(link.c_str(), buf, sizeof buf - 1);
  if (n > 0) p.exe.assign(buf, static_cast<std::size_t>(n));
  return p;
}

inline std::vector<ProcInfo> AllProcs() {
  std::vector<ProcInfo> out;
  DIR* dir = ::opendir("/proc");
  if (!dir) return out;
  while (dirent* e = ::readdir(dir)) {
    char* end = nullptr;
    const long pid = std::strtol(e->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) continue;
    if (auto p = ReadProc(static_cast<pid_t>(pid))) out.push_back(*p);
  }
  ::closedir(dir);
  return out;
}

inline std::vector<ProcInfo> ChildrenOf(pid_t parent) {
  std::vector<ProcInfo> out;
  for (const ProcInfo& p : AllProcs()) {
    if (p.ppid == parent) out.push_back(p);
  }
  return out;
}

// Every descendant of `root` (not root itself).
inline std::vector<ProcInfo> DescendantsOf(pid_t root) {
  const std::vector<ProcInfo> all = AllProcs();
  std::vector<ProcInfo> out;
  std::vector<pid_t> frontier{root};
  while (!frontier.empty()) {
    const pid_t parent = frontier.back();
    frontier.pop_back();
    for (const ProcInfo& p : all) {
      if (p.ppid == parent) {
        out.push_back(p);
        frontier.push_back(p.pid);
      }
    }
  }
  return out;
}

inline bool IsWorker(const ProcInfo& p) {
  const std::string suffix = "/stockade-worker";
  return p.exe.size() >= suffix.size() && p.exe.compare(p.exe.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Live (non-zombie) worker processes that are children of `daemon`.
inline std::vector<pid_t> WorkersOf(pid_t daemon) {
  std::vector<pid_t> out;
  for (const ProcInfo& p : ChildrenOf(daemon)) {
    if (IsWorker(p) && p.state != 'Z') out.push_back(p.pid);
  }
  return out;
}

// Polls GET /readyz until `idle + busy >= want` with nothing queued.
inline bool WaitPoolSize(const Daemon& d, std::uint32_t want, std::chrono::milliseconds timeout = 20s,
                         api::Readiness* last = nullptr) {
  const auto deadline = Clock::now() + timeout;
  api::Readiness r;
  while (Clock::now() < deadline) {
    Reply reply = Get(d, "/readyz");
    if (reply.status == 200 || reply.status == 503) {
      r = FromJson<api::Readiness>(reply.body);
      if (r.idle_workers() >= want && r.busy_workers() == 0 && r.queued() == 0) {
        if (last) *last = r;
        return true;
      }
    }
    std::this_thread::sleep_for(50ms);
  }
  if (last) *last = r;
  return false;
}

}  // namespace stockade::testing
