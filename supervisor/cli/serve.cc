#include "supervisor/cli/serve.h"

#include <malloc.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <cstdio>
#include <string>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "policy/connection_cap.h"
#include "policy/policy_loader.h"
#include "supervisor/daemon/api_keys.h"
#include "supervisor/daemon/api_service.h"
#include "supervisor/daemon/daemon_metrics.h"
#include "supervisor/daemon/http_server.h"
#include "supervisor/confine/init_process.h"
#include "supervisor/common/log.h"
#include "supervisor/pool/supervisor.h"
#include "supervisor/sessions/session_manager.h"
#include "supervisor/sessions/session_store.h"
#include "supervisor/sessions/state_dir.h"

namespace stockade::supervisor {
namespace {

namespace asio = boost::asio;

constexpr char kUsage[] =
    "usage: stockade serve [options]\n"
    "  Runs the daemon: HTTP/JSON API, pool of confined workers.\n"
    "options:\n"
    "  --listen ADDR     127.0.0.1:8080, [::1]:8080, 0.0.0.0:8080 or unix:/path.sock\n"
    "                    (repeatable; default 127.0.0.1:8080)\n"
    "  --api-keys FILE   one key per line, optionally followed by a name; without it\n"
    "                    only loopback and Unix sockets are served\n"
    "  --policy P        default|strict|permissive or a policy file\n"
    "  --pool-size N     pre-warmed workers (overrides the policy)\n"
    "  --worker PATH     stockade-worker binary (default: next to stockade)\n"
    "  --log-level L     debug|info|warn|error|off (default info)\n"
    "  --subreaper       act as init (reap orphans) even when not PID 1\n"
    "  --log-code        include each execution's code (first 4 KiB) in its log line\n"
    "  --state-dir DIR   where sessions are kept (default: the policy's daemon.state_dir,\n"
    "                    /var/lib/stockade); made 0700 if missing\n"
    "  --reset-state     move an unusable session store aside (DIR/sessions.db.unusable-T)\n"
    "                    and start with no sessions, instead of refusing to start\n"
    "  --print-config    print the effective policy and exit\n";

struct ServeFlags {
  std::vector<std::string> listen;
  std::string api_keys, policy, worker, state_dir;
  std::optional<std::uint32_t> pool_size;
  bool subreaper = false;
  bool log_code = false;
  bool print_config = false;
  bool reset_state = false;
};

int Usage(const std::string& error) {
  std::fprintf(stderr, "stockade serve: %s\n%s", error.c_str(), kUsage);
  return 2;
}

// The drain: stop accepting, answer new work 503, let running executions
// finish up to the policy's deadline, then ask the main thread to stop (the
// Supervisor cancels whatever is left and reaps every worker).
void Drain(asio::io_context& io, ApiService& api, std::chrono::steady_clock::time_point deadline,
           std::function<void()> done) {
  const auto now = std::chrono::steady_clock::now();
  if (api.in_flight() == 0) {
    // Give the last replies a moment to leave before the io thread stops.
    auto timer = std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(50));
    timer->async_wait([done = std::move(done), timer](boost::system::error_code) { done(); });
    Log(LogLevel::kInfo, "drain_complete", {});
    return;
  }
  if (now >= deadline) {
    // Out of time: cancel what is left, so every waiting client still gets
    // an answer (CANCELLED), then finish the drain.
    Log(LogLevel::kWarn, "drain_deadline", {{"cancelled", api.in_flight()}});
    api.CancelAll();
  }
  auto timer = std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(20));
  timer->async_wait([&io, &api, deadline, done = std::move(done), timer](boost::system::error_code) {
    Drain(io, api, deadline, done);
  });
}

// The soft descriptor limit up to the hard one, as Go's runtime and nginx
// do: the soft limit is a compatibility default for select(2), which we do
// not use. Returns the limit now in force.
std::uint64_t RaiseFdLimit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return 1024;
  if (lim.rlim_cur < lim.rlim_max) {
    const rlim_t before = lim.rlim_cur;
    lim.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &lim) != 0) lim.rlim_cur = before;
  }
  return lim.rlim_cur == RLIM_INFINITY ? UINT32_MAX : lim.rlim_cur;
}

// Large blocks (results, rendered replies) are given back to the kernel
// when freed. glibc's default raises its mmap threshold to the largest
// block freed so far, after which multi-MiB results come from the heap,
// fragment it and keep the daemon's RSS at its high-water mark long after
// the results were evicted. A fixed threshold keeps them in mappings of
// their own.
void ReturnLargeBlocks() {
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024);
}

}  // namespace

int ServeCommand(int argc, char** argv) {
  ServeFlags f;
  SetLogLevel(LogLevel::kInfo);
  for (int i = 0; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (arg == "--print-config") {
      f.print_config = true;
    } else if (arg == "--subreaper") {
      f.subreaper = true;
    } else if (arg == "--log-code") {
      f.log_code = true;
    } else if (arg == "--reset-state") {
      f.reset_state = true;
    } else if (arg == "--listen" || arg == "--api-keys" || arg == "--policy" || arg == "--worker" ||
               arg == "--log-level" || arg == "--pool-size" || arg == "--state-dir") {
      const char* v = value();
      if (!v) return Usage(arg + " needs a value");
      if (arg == "--listen") f.listen.push_back(v);
      if (arg == "--api-keys") f.api_keys = v;
      if (arg == "--policy") f.policy = v;
      if (arg == "--worker") f.worker = v;
      if (arg == "--state-dir") {
        if (*v == '\0') return Usage("--state-dir needs a directory");
        f.state_dir = v;
      }
      if (arg == "--log-level") {
        LogLevel level;
        if (!ParseLogLevel(v, &level)) return Usage("bad --log-level " + std::string(v));
        SetLogLevel(level);
      }
      if (arg == "--pool-size") {
        char* end = nullptr;
        const unsigned long n = std::strtoul(v, &end, 10);
        if (*end != '\0' || n == 0 || n > 1024) return Usage("bad --pool-size " + std::string(v));
        f.pool_size = static_cast<std::uint32_t>(n);
      }
    } else {
      return Usage("unknown option " + arg);
    }
  }
  if (f.listen.empty()) f.listen.push_back("127.0.0.1:8080");

  auto policy = policy::LoadPolicy(f.policy);
  if (!policy.ok()) {
    std::fprintf(stderr, "stockade serve: %s\n", policy.status().message().c_str());
    return 2;
  }
  if (f.pool_size) policy->mutable_pool()->set_size(*f.pool_size);
  if (f.print_config) {
    std::fputs(policy::PolicyToText(*policy).c_str(), stdout);
    return 0;
  }
  ApiKeys keys;
  if (!f.api_keys.empty()) {
    auto loaded = ApiKeys::Load(f.api_keys);
    if (!loaded.ok()) {
      std::fprintf(stderr, "stockade serve: %s\n", loaded.status().message().c_str());
      return 2;
    }
    keys = std::move(loaded).value();
  }
  std::vector<ListenAddress> addresses;
  for (const std::string& text : f.listen) {
    auto a = ParseListenAddress(text);
    if (!a.ok()) return Usage(a.status().message());
    addresses.push_back(*a);
  }

  // PID 1 (or --subreaper): split into a tiny init and this daemon before
  // any thread exists. Returns here only in the daemon.
  InitOptions init;
  init.force = f.subreaper;
  if (!BecomeInitIfNeeded(init)) return 0;

  // SIGTERM, SIGINT and SIGHUP are taken by an asio::signal_set on the io
  // thread (its handler only writes to a pipe, whichever thread it runs on).

  // The session store, before any worker starts: a store that cannot be
  // used stops the daemon here with the file named (never a silent reset).
  // Only the default directory may be missing its permissions (a user's
  // `stockade serve` without root): then the daemon serves without sessions
  // and says why, in its log and in each session request's answer.
  std::optional<StateDir> state_dir;
  std::unique_ptr<SessionStore> session_store;
  std::string sessions_off;
  {
    const std::string dir = f.state_dir.empty() ? policy->daemon().state_dir() : f.state_dir;
    auto opened = StateDir::Open(dir);
    if (!opened.ok()) {
      if (!f.state_dir.empty()) {
        Log(LogLevel::kError, "start_failed", {{"error", opened.status().message()}});
        return 1;
      }
      sessions_off = "this daemon keeps no sessions: " + opened.status().message() +
                     " (start it with --state-dir DIR)";
      Log(LogLevel::kWarn, "sessions_off", {{"detail", sessions_off}});
    } else {
      state_dir.emplace(std::move(opened).value());
      auto store = SessionStore::Open(state_dir->SessionsDb(), f.reset_state);
      if (!store.ok()) {
        Log(LogLevel::kError, "start_failed", {{"error", store.status().message()}});
        return 1;
      }
      session_store = std::move(store).value();
    }
  }

  ReturnLargeBlocks();
  const std::uint64_t fd_limit = RaiseFdLimit();
  const policy::ConnectionCap connection_cap = policy::ConnectionCapFor(*policy, fd_limit);
  if (!connection_cap.note.empty()) Log(LogLevel::kWarn, "connection_cap", {{"detail", connection_cap.note}});

  DaemonMetrics metrics;
  SupervisorOptions options;
  options.policy = *policy;
  options.worker_path = f.worker;
  options.events = metrics.PoolHooks();
  auto sup = Supervisor::Start(std::move(options));
  if (!sup.ok()) {
    Log(LogLevel::kError, "start_failed", {{"error", sup.status().message()}});
    return 1;
  }
  Supervisor& supervisor = **sup;
  metrics.WatchSupervisor(supervisor);
  if (!keys.enabled()) {
    Log(LogLevel::kWarn, "auth_disabled",
        {{"detail", "no --api-keys: serving loopback and Unix sockets only, without authentication"}});
  } else {
    Log(LogLevel::kInfo, "auth_enabled", {{"keys", keys.size()}});
  }
  const bool allow_remote = keys.enabled();
  ApiService api(supervisor, std::move(keys), metrics);
  api.SetLogCode(f.log_code);
  std::unique_ptr<SessionManager> sessions;
  if (session_store) {
    sessions = std::make_unique<SessionManager>(supervisor, std::move(session_store), supervisor.policy().sessions());
  }
  api.SetSessions(sessions.get(), sessions_off);
  if (sessions) metrics.WatchSessions(*sessions);
  metrics.WatchMemory(api.store(), api.buffers());
  HttpServer server(supervisor.io(), api, supervisor.policy().daemon(), connection_cap.cap);
  for (const ListenAddress& a : addresses) {
    Status st = server.Listen(a, allow_remote);
    if (!st.ok()) {
      Log(LogLevel::kError, "start_failed", {{"error", st.message()}});
      return 1;
    }
  }

  // Everything below runs on the supervisor's io thread; this thread waits.
  std::promise<void> stop;
  bool stopping = false;
  auto request_stop = [&] {
    if (stopping) return;
    stopping = true;
    stop.set_value();
  };
  asio::signal_set signals(supervisor.io(), SIGTERM, SIGINT, SIGHUP);
  std::function<void(boost::system::error_code, int)> on_signal;
  on_signal = [&](boost::system::error_code ec, int sig) {
    if (ec) return;
    if (sig == SIGHUP) {
      // Reload the same policy source; a broken file keeps the old policy.
      auto reloaded = policy::LoadPolicy(f.policy);
      Status st = reloaded.ok() ? supervisor.ReloadOnIoThread(*reloaded) : reloaded.status();
      if (st.ok()) {
        if (sessions) sessions->set_policy(supervisor.policy().sessions());
        Log(LogLevel::kInfo, "reload", {{"policy", supervisor.policy().name()},
                                         {"detail", "new workers and runs use the new policy; the HTTP "
                                                    "limits and result retention (daemon.*, except "
                                                    "max_in_flight_per_key and drain_timeout_ms), "
                                                    "cgroup.mode and namespaces apply on restart"}});
      } else {
        Log(LogLevel::kError, "reload_failed", {{"error", st.message()}});
      }
      signals.async_wait(on_signal);
      return;
    }
    if (api.draining()) {
      // A second signal: stop now.
      request_stop();
      return;
    }
    signals.async_wait(on_signal);
    Log(LogLevel::kInfo, "drain_start", {{"signal", sig}, {"in_flight", api.in_flight()}});
    api.SetDraining();
    server.StopAccepting();
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(supervisor.policy().daemon().drain_timeout_ms());
    Drain(supervisor.io(), api, deadline, request_stop);
  };
  // Sessions unused past their TTL go, now and then (a run extends its
  // session, so a running one never does).
  asio::steady_timer expiry(supervisor.io());
  std::function<void()> expire = [&] {
    if (!sessions) return;
    auto gone = sessions->ExpireNow();
    if (!gone.ok()) {
      Log(LogLevel::kError, "session_store_error", {{"detail", gone.status().message()}});
    } else if (*gone > 0) {
      Log(LogLevel::kInfo, "sessions_expired", {{"count", static_cast<std::uint64_t>(*gone)}});
    }
    const std::uint64_t ttl_ms = std::uint64_t{supervisor.policy().sessions().ttl_seconds()} * 1000;
    expiry.expires_after(std::chrono::milliseconds(std::clamp<std::uint64_t>(ttl_ms / 10, 1000, 60000)));
    expiry.async_wait([&](boost::system::error_code ec) {
      if (!ec) expire();
    });
  };
  asio::post(supervisor.io(), [&] {
    expire();
    server.Start();
    signals.async_wait(on_signal);
    std::string bound;
    for (const std::string& b : server.bound()) bound += (bound.empty() ? "" : " ") + b;
    Log(LogLevel::kInfo, "listening",
        {{"addresses", bound}, {"policy", supervisor.policy().name()},
         {"pool_size", supervisor.policy().pool().size()},
         {"max_connections", static_cast<std::uint64_t>(connection_cap.cap)},
         {"fd_limit", fd_limit},
         {"max_retained_bytes", supervisor.policy().daemon().max_retained_bytes()},
         {"max_buffered_bytes", supervisor.policy().daemon().max_buffered_bytes()},
         {"seccomp", supervisor.confinement().seccomp_mode()},
         {"cgroup", supervisor.confinement().cgroup()},
         {"identity", supervisor.confinement().identity()},
         {"sessions", state_dir ? state_dir->SessionsDb() : std::string("off")},
         {"pid1", getpid() == 1 || RunningUnderStockadeInit()}});
  });
  stop.get_future().wait();
  // Reaps every worker and stops the io thread; the objects above are then
  // destroyed on this thread with nothing running on io().
  supervisor.Stop();
  Log(LogLevel::kInfo, "stopped", {});
  return 0;
}

}  // namespace stockade::supervisor
