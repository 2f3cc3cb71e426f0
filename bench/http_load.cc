// stockade-http-bench: load on the daemon's HTTP API, as a client sees it.
//
// Starts `stockade serve` itself (permissive policy, 10 workers, log in a
// temporary file) unless --url names a running daemon, then for each
// connection count (1, 2, 16 by default) opens that many keep-alive
// connections, each issuing POST /v1/executions {"code":"1+1"} back to back
// (wait=true, the default) for --duration seconds. It prints p50/p99
// latency and executions/s per connection count, and the daemon's RSS
// (VmRSS) before and after. --requests N runs a soak of N executions instead
// and reports RSS at start, along the way and at the end, which is how "no
// RSS growth over 100,000 executions" is checked; with --mixed the soak
// sends a mix of scripts (trivial, agent-style, 1 MiB results, errors and
// timeouts, each answer checked for its expected status) and also reports
// the daemon's descriptors, its worker processes and their largest RSS.
//
// One thread per connection with a blocking client: on a 2-core machine the
// client threads mostly sleep in the kernel waiting for answers, and the
// numbers then measure the daemon, not the harness.
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "policy/json_string.h"
#include "proto/api.pb.h"
#include "supervisor/cli/http_client.h"
#include "supervisor/sessions/session_store.h"

namespace {

using stockade::supervisor::HttpClient;
using stockade::supervisor::HttpHeaders;
using Clock = std::chrono::steady_clock;

constexpr char kUsage[] =
    "usage: stockade-http-bench [options]\n"
    "  --url URL           use a running daemon (default: start one)\n"
    "  --pid PID           that daemon's pid, for RSS figures\n"
    "  --key K             API key for --url\n"
    "  --connections LIST  e.g. 1,2,16 (default)\n"
    "  --duration S        seconds per connection count (default 5)\n"
    "  --requests N        soak: N executions over the last connection count\n"
    "  --mixed             the soak's mix instead of --code: trivial, agent-style,\n"
    "                      1 MiB results, errors and timeouts (each checked)\n"
    "  --code JS           the script (default 1+1)\n"
    "  --pool-size N       workers of the daemon we start (default 10)\n"
    "  --policy P          its policy (default permissive)\n"
    "  --sessions          the session figures instead (issue 13): create p50, a run in\n"
    "                      a session with 10 small variables against the same run\n"
    "                      without one, and the daemon's start on 1,000 sessions x 100\n"
    "                      history records against an empty store\n";

// The daemon we started: killed and reaped when the benchmark ends.
class OwnDaemon {
 public:
  // `state_dir`: the daemon's --state-dir (default: one in its temp dir).
  static std::optional<OwnDaemon> Start(const std::string& policy, int pool_size, std::string state_dir = "") {
    OwnDaemon d;
    char tmpl[] = "/tmp/stockade-http-bench-XXXXXX";
    if (!mkdtemp(tmpl)) return std::nullopt;
    d.dir_ = tmpl;
    if (state_dir.empty()) state_dir = d.dir_ + "/state";
    const std::string log = d.dir_ + "/daemon.log";
    // The daemon is a sibling of this binary in build/bin.
    const std::string bin = std::filesystem::read_symlink("/proc/self/exe").parent_path() / "stockade";
    const std::string pool = std::to_string(pool_size);
    d.pid_ = fork();
    if (d.pid_ == 0) {
      if (!freopen(log.c_str(), "w", stderr)) _exit(127);
      execl(bin.c_str(), bin.c_str(), "serve", "--listen", "127.0.0.1:0", "--policy", policy.c_str(),
            "--pool-size", pool.c_str(), "--state-dir", state_dir.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (Clock::now() < deadline) {
      std::ifstream in(log);
      std::string line;
      while (std::getline(in, line)) {
        const std::size_t at = line.find("127.0.0.1:");
        if (line.find("\"event\":\"listening\"") == std::string::npos || at == std::string::npos) continue;
        d.url_ = "http://" + line.substr(at, line.find_first_of(" \"", at) - at);
        return d;
      }
      if (waitpid(d.pid_, nullptr, WNOHANG) == d.pid_) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    std::ifstream in(log);
    std::stringstream s;
    s << in.rdbuf();
    std::fprintf(stderr, "stockade-http-bench: the daemon did not start:\n%s", s.str().c_str());
    return std::nullopt;
  }
  OwnDaemon(OwnDaemon&& o) noexcept
      : pid_(std::exchange(o.pid_, -1)), dir_(std::exchange(o.dir_, "")), url_(std::move(o.url_)) {}
  ~OwnDaemon() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }
  pid_t pid() const { return pid_; }
  const std::string& url() const { return url_; }

 private:
  OwnDaemon() = default;
  pid_t pid_ = -1;
  std::string dir_, url_;
};

// VmRSS of `pid` in KiB, or -1.
long RssKiB(pid_t pid) {
  if (pid <= 0) return -1;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

std::string Rss(pid_t pid) {
  const long kib = RssKiB(pid);
  if (kib < 0) return "n/a (pass --pid)";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f MiB", kib / 1024.0);
  return buf;
}

// Descriptors the daemon holds, or -1.
int OpenFds(pid_t pid) {
  if (pid <= 0) return -1;
  std::error_code ec;
  int n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return ec ? -1 : n;
}

// The daemon's child processes (its workers, and a spawn in progress) and
// the largest resident set among the workers.
struct Processes {
  int children = 0;
  long largest_rss_kib = 0;
};
Processes ProcessesOf(pid_t parent) {
  Processes out;
  if (parent <= 0) return out;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc", ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(it->path() / "stat");
    std::string stat;
    std::getline(in, stat);
    const std::size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    int ppid = 0;
    char state = 0;
    if (std::sscanf(stat.c_str() + close + 1, " %c %d", &state, &ppid) != 2 || ppid != parent) continue;
    ++out.children;
    // A spawn in progress is a copy of the daemon until it execs: only
    // workers count for the largest RSS.
    std::ifstream comm(it->path() / "comm");
    std::string command;
    std::getline(comm, command);
    if (command == "stockade-worke" || command == "stockade-worker") {
      out.largest_rss_kib = std::max(out.largest_rss_kib, RssKiB(std::atoi(name.c_str())));
    }
  }
  return out;
}

struct Tally {
  std::size_t offset = 0;  // where in the deck this connection starts
  std::vector<std::uint32_t> latencies_us;
  std::uint64_t errors = 0;
  std::string first_error;
};

// One kind of request of the mix: its body, the status its answer must
// carry, and how many of every 100 requests it is.
struct Script {
  const char* name;
  std::string body;
  std::string expect;  // "\"status\":\"OK\"" ...
  int per_100;
};

struct Config {
  std::string url, key;
  std::vector<Script> mix;        // one entry unless --mixed
  std::vector<std::size_t> deck;  // 100 indexes into mix, interleaved
};

std::string JsonQuote(const std::string& code) {
  std::string quoted;
  stockade::policy::AppendJsonString(code, &quoted);
  return quoted;
}

Script Plain(const std::string& code) {
  return {"script", "{\"code\":" + JsonQuote(code) + "}", "\"status\":\"OK\"", 100};
}

// The soak's mix. Agent-style: build records, filter, log, return a
// summary, the shape of a script calling tools and keeping the result small.
std::vector<Script> Mixed() {
  const std::string agent =
      "var items = [];\n"
      "for (var i = 0; i < 200; i++) items.push({id: i, name: 'item' + i, tags: ['a', 'b'], score: Math.sqrt(i)});\n"
      "console.log('processing', items.length, 'items');\n"
      "var top = items.filter(function (x) { return x.score > 12; }).map(function (x) { return {id: x.id, name: x.name}; });\n"
      "({count: top.length, first: top[0], total: items.reduce(function (a, x) { return a + x.score; }, 0)})";
  return {
      {"trivial", "{\"code\":\"1+1\"}", "\"status\":\"OK\"", 60},
      {"agent", "{\"code\":" + JsonQuote(agent) + "}", "\"status\":\"OK\"", 25},
      {"1MiB", "{\"code\":\"'x'.repeat(1048576)\"}", "\"status\":\"OK\"", 5},
      {"error", "{\"code\":\"throw new Error('boom')\"}", "\"status\":\"RUNTIME_ERROR\"", 8},
      {"timeout", "{\"code\":\"while (true) {}\",\"limits\":{\"timeoutMs\":20}}", "\"status\":\"TIMEOUT\"", 2},
  };
}

// 100 slots, each kind spread evenly rather than in runs.
std::vector<std::size_t> Deck(const std::vector<Script>& mix) {
  std::vector<std::pair<double, std::size_t>> slots;
  for (std::size_t k = 0; k < mix.size(); ++k) {
    for (int j = 0; j < mix[k].per_100; ++j) slots.push_back({(j + 0.5) / mix[k].per_100, k});
  }
  std::sort(slots.begin(), slots.end());
  std::vector<std::size_t> deck;
  for (const auto& s : slots) deck.push_back(s.second);
  return deck;
}

// One connection: POST back to back until `stop` or `quota` runs out.
void Connection(const Config& cfg, const std::atomic<bool>& stop, std::atomic<std::int64_t>* quota, Tally* out) {
  HttpHeaders headers;
  if (!cfg.key.empty()) headers.emplace_back("Authorization", "Bearer " + cfg.key);
  auto client = HttpClient::Connect(cfg.url);
  if (!client.ok()) {
    out->errors++;
    out->first_error = client.status().message();
    return;
  }
  out->latencies_us.reserve(1 << 16);
  std::size_t turn = out->offset;
  while (!stop.load(std::memory_order_relaxed)) {
    if (quota && quota->fetch_sub(1, std::memory_order_relaxed) <= 0) break;
    const Script& script = cfg.mix[cfg.deck[turn++ % cfg.deck.size()]];
    const auto t0 = Clock::now();
    auto res = client->Request("POST", "/v1/executions", script.body, headers);
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count();
    const bool ok = res.ok() && res->status == 200 && res->body.find(script.expect) != std::string::npos;
    if (!res.ok()) {
      // The connection broke: reconnect, so one failure is one error.
      if (auto again = HttpClient::Connect(cfg.url); again.ok()) client = std::move(again);
    }
    if (!ok) {
      if (out->errors++ == 0) out->first_error = std::string(script.name) + ": " +
                                                 (res.ok() ? std::to_string(res->status) + " " + res->body.substr(0, 300)
                                                           : res.status().message());
      continue;
    }
    out->latencies_us.push_back(static_cast<std::uint32_t>(us));
  }
}

struct RunResult {
  std::uint64_t ok = 0, errors = 0;
  double seconds = 0, p50 = 0, p99 = 0, p999 = 0, max = 0;
  std::string first_error;
};

RunResult Run(const Config& cfg, int connections, std::chrono::milliseconds duration, std::int64_t requests) {
  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> quota{requests};
  std::vector<Tally> tallies(connections);
  for (int i = 0; i < connections; ++i) tallies[i].offset = static_cast<std::size_t>(i) * 37;
  std::vector<std::thread> threads;
  const auto t0 = Clock::now();
  for (int i = 0; i < connections; ++i) {
    threads.emplace_back(Connection, std::cref(cfg), std::cref(stop), requests > 0 ? &quota : nullptr, &tallies[i]);
  }
  if (requests == 0) {
    std::this_thread::sleep_for(duration);
    stop = true;
  }
  for (auto& t : threads) t.join();
  RunResult r;
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  std::vector<std::uint32_t> all;
  for (Tally& t : tallies) {
    all.insert(all.end(), t.latencies_us.begin(), t.latencies_us.end());
    r.errors += t.errors;
    if (r.first_error.empty()) r.first_error = t.first_error;
  }
  r.ok = all.size();
  if (!all.empty()) {
    auto pct = [&](double p) {
      const std::size_t k = std::min(all.size() - 1, static_cast<std::size_t>(p * all.size()));
      std::nth_element(all.begin(), all.begin() + k, all.end());
      return static_cast<double>(all[k]);
    };
    r.p50 = pct(0.50);
    r.p99 = pct(0.99);
    r.p999 = pct(0.999);
    r.max = static_cast<double>(*std::max_element(all.begin(), all.end()));
  }
  return r;
}

void Print(int connections, const RunResult& r) {
  std::printf("  %3d conn  %8llu ok  %5llu err  %9.0f exec/s  p50 %7.0f us  p99 %7.0f us  p99.9 %7.0f us  max %7.0f us\n",
              connections, static_cast<unsigned long long>(r.ok), static_cast<unsigned long long>(r.errors),
              r.ok / r.seconds, r.p50, r.p99, r.p999, r.max);
  if (r.errors) std::printf("       first error: %s\n", r.first_error.c_str());
  std::fflush(stdout);
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * v.size()))];
}

// One POST or GET on `client`, its latency in microseconds; exits on an
// unexpected answer (a benchmark of failures measures nothing).
double Timed(HttpClient& client, const char* method, const std::string& target, const std::string& body,
             unsigned want, std::string* answer = nullptr) {
  const auto t0 = Clock::now();
  auto res = client.Request(method, target, body, {});
  const double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
  if (!res.ok() || res->status != want || res->body.find("\"status\":\"RUNTIME_ERROR") != std::string::npos) {
    std::fprintf(stderr, "stockade-http-bench: %s %s: %s\n", method, target.c_str(),
                 res.ok() ? (std::to_string(res->status) + " " + res->body.substr(0, 300)).c_str()
                          : res.status().message().c_str());
    std::exit(1);
  }
  if (answer) *answer = std::move(res->body);
  return us;
}

std::string SessionIdOf(const std::string& body) {
  const std::size_t at = body.find("\"id\":\"");
  return at == std::string::npos ? "" : body.substr(at + 6, body.find('"', at + 6) - at - 6);
}

// A store of `sessions` sessions with `records` history records each, the
// shapes the daemon writes (a small state, agent-sized code and results).
bool FillStore(const std::string& dir, int sessions, int records) {
  std::filesystem::create_directories(dir);
  auto store = stockade::supervisor::SessionStore::Open(dir + "/sessions.db");
  if (!store.ok()) {
    std::fprintf(stderr, "stockade-http-bench: %s\n", store.status().message().c_str());
    return false;
  }
  stockade::api::ExecutionResult result;
  result.set_status(stockade::api::OK);
  result.set_value_json("{\"count\":12,\"first\":{\"id\":144,\"name\":\"item144\"},\"total\":1880.5}");
  auto* line = result.add_console();
  line->set_stream(stockade::api::STDOUT);
  line->set_text("processing 200 items");
  result.mutable_metrics()->set_run_time_us(812);
  result.mutable_session()->set_committed(true);
  const std::string serialized = result.SerializeAsString();
  const std::string code =
      "var top = items.filter(function (x) { return x.score > 12; }).map(function (x) { return {id: x.id}; });";
  const std::string state = "{\"v\":1,\"b\":[[\"n\",41],[\"items\",{\"#\":0}]],\"o\":[{\"t\":\"A\",\"e\":[1,2,3],\"p\":{}}]}";
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  for (int i = 0; i < sessions; ++i) {
    stockade::supervisor::SessionRecord s;
    char id[40];
    std::snprintf(id, sizeof id, "se_%032x", i);
    s.id = id;
    s.created_ms = s.last_active_ms = now;
    s.expires_ms = now + 86400000;
    s.variables_json = "[]";
    if (!(*store)->Create(s).ok()) return false;
    for (int j = 0; j < records; ++j) {
      stockade::supervisor::HistoryRecord h;
      h.at_ms = now;
      h.code = code;
      h.result = serialized;
      if (!(*store)->CommitRun(s.id, state, "[{\"name\":\"n\",\"bytes\":2}]", h, now + 86400000, 100).ok()) {
        return false;
      }
    }
  }
  return true;
}

// Milliseconds from fork to the "listening" line.
double StartMs(const std::string& policy, int pool_size, const std::string& state_dir) {
  const auto t0 = Clock::now();
  auto d = OwnDaemon::Start(policy, pool_size, state_dir);
  if (!d) std::exit(1);
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

int SessionFigures(const std::string& policy, int pool_size) {
  std::printf("stockade-http-bench --sessions: %u CPUs, policy %s, pool %d\n", std::thread::hardware_concurrency(),
              policy.c_str(), pool_size);
  {
    auto d = OwnDaemon::Start(policy, pool_size);
    if (!d) return 1;
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    auto client = HttpClient::Connect(d->url());
    if (!client.ok()) return 1;
    std::vector<double> create;
    std::string body;
    // Each deleted again (untimed): a key may hold sessions.max_per_key.
    for (int i = 0; i < 550; ++i) {
      const double us = Timed(*client, "POST", "/v1/sessions", "", 201, &body);
      if (i >= 50) create.push_back(us);
      Timed(*client, "DELETE", "/v1/sessions/" + SessionIdOf(body), "", 204);
    }
    std::printf("  session create (POST /v1/sessions)      p50 %7.0f us   p99 %7.0f us\n", Percentile(create, 0.5),
                Percentile(create, 0.99));

    Timed(*client, "POST", "/v1/sessions", "", 201, &body);
    const std::string id = SessionIdOf(body);
    Timed(*client, "POST", "/v1/executions",
          "{\"sessionId\":\"" + id + "\",\"code\":" +
              JsonQuote("var a = 1, b = 'two', c = [1, 2, 3], d = {x: 1, y: 'z'}, e = true, f = null, "
                        "g = 3.5, h = 'a longer string of text', i = [{k: 1}], j = new Date(0); 'set'") + "}",
          200);
    const std::string in_session = "{\"sessionId\":\"" + id + "\",\"code\":\"1+1\"}";
    const std::string plain = "{\"code\":\"1+1\"}";
    std::vector<double> with, without;
    for (int i = 0; i < 100; ++i) {
      Timed(*client, "POST", "/v1/executions", in_session, 200);
      Timed(*client, "POST", "/v1/executions", plain, 200);
    }
    for (int i = 0; i < 2000; ++i) {
      with.push_back(Timed(*client, "POST", "/v1/executions", in_session, 200));
      without.push_back(Timed(*client, "POST", "/v1/executions", plain, 200));
    }
    const double w = Percentile(with, 0.5), wo = Percentile(without, 0.5);
    std::printf("  `1+1` in a session with 10 variables     p50 %7.0f us   p99 %7.0f us\n", w, Percentile(with, 0.99));
    std::printf("  `1+1` without a session                  p50 %7.0f us   p99 %7.0f us\n", wo,
                Percentile(without, 0.99));
    std::printf("  ratio (p50)                              x%.2f\n", w / wo);
  }
  char tmpl[] = "/tmp/stockade-session-store-XXXXXX";
  if (!mkdtemp(tmpl)) return 1;
  const std::string full = std::string(tmpl) + "/full", empty = std::string(tmpl) + "/empty";
  const auto t0 = Clock::now();
  if (!FillStore(full, 1000, 100)) return 1;
  std::error_code ec;
  std::printf("  store of 1,000 sessions x 100 records: %.1f MiB, filled in %.1f s\n",
              static_cast<double>(std::filesystem::file_size(full + "/sessions.db", ec) +
                                  std::filesystem::file_size(full + "/sessions.db-wal", ec)) / (1024.0 * 1024.0),
              std::chrono::duration<double>(Clock::now() - t0).count());
  std::vector<double> on_full, on_empty;
  for (int i = 0; i < 5; ++i) {
    on_full.push_back(StartMs(policy, pool_size, full));
    std::filesystem::remove_all(empty, ec);
    on_empty.push_back(StartMs(policy, pool_size, empty));
  }
  std::printf("  daemon start to listening, that store    p50 %7.1f ms   max %7.1f ms\n", Percentile(on_full, 0.5),
              Percentile(on_full, 1.0));
  std::printf("  daemon start to listening, empty store   p50 %7.1f ms   max %7.1f ms\n", Percentile(on_empty, 0.5),
              Percentile(on_empty, 1.0));
  std::filesystem::remove_all(tmpl, ec);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  std::string code = "1+1", policy = "permissive", connections_list = "1,2,16";
  pid_t pid = -1;
  double duration_s = 5;
  std::int64_t requests = 0;
  int pool_size = 10;
  bool mixed = false, sessions = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg == "--mixed") {
      mixed = true;
      continue;
    }
    if (arg == "--sessions") {
      sessions = true;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "stockade-http-bench: %s needs a value\n%s", arg.c_str(), kUsage);
      return 2;
    }
    const std::string v = argv[++i];
    if (arg == "--url") cfg.url = v;
    else if (arg == "--pid") pid = std::atoi(v.c_str());
    else if (arg == "--key") cfg.key = v;
    else if (arg == "--connections") connections_list = v;
    else if (arg == "--duration") duration_s = std::atof(v.c_str());
    else if (arg == "--requests") requests = std::atoll(v.c_str());
    else if (arg == "--code") code = v;
    else if (arg == "--pool-size") pool_size = std::atoi(v.c_str());
    else if (arg == "--policy") policy = v;
    else {
      std::fprintf(stderr, "stockade-http-bench: unknown option %s\n%s", arg.c_str(), kUsage);
      return 2;
    }
  }
  if (sessions) return SessionFigures(policy, pool_size);
  std::vector<int> counts;
  for (std::stringstream s(connections_list); s.good();) {
    std::string item;
    std::getline(s, item, ',');
    if (const int n = std::atoi(item.c_str()); n > 0) counts.push_back(n);
  }
  if (counts.empty() || duration_s <= 0 || requests < 0) {
    std::fprintf(stderr, "stockade-http-bench: bad --connections, --duration or --requests\n");
    return 2;
  }
  if (mixed) {
    cfg.mix = Mixed();
  } else {
    cfg.mix = {Plain(code)};
  }
  cfg.deck = Deck(cfg.mix);

  std::optional<OwnDaemon> own = cfg.url.empty() ? OwnDaemon::Start(policy, pool_size) : std::nullopt;
  if (cfg.url.empty()) {
    if (!own) return 1;
    cfg.url = own->url();
    pid = own->pid();
    // Let the pool finish warming before anything is measured.
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  }
  std::string what;
  for (const Script& sc : cfg.mix) {
    what += (what.empty() ? "" : ", ") + (mixed ? std::to_string(sc.per_100) + "% " + sc.name : sc.body);
  }
  std::printf("stockade-http-bench: %s, %s, %u CPUs%s\n", cfg.url.c_str(), what.c_str(),
              std::thread::hardware_concurrency(),
              own ? (", daemon started here: policy " + policy + ", pool " + std::to_string(pool_size)).c_str() : "");
  std::printf("  daemon RSS at start: %s\n", Rss(pid).c_str());
  const auto duration = std::chrono::milliseconds(static_cast<long>(duration_s * 1000));

  (void)Run(cfg, 1, std::chrono::milliseconds(500), 0);  // warm-up: connections, caches, workers
  std::printf("  daemon RSS after warm-up: %s\n", Rss(pid).c_str());
  if (requests > 0) {
    // Soak: RSS every tenth of the way, so growth shows as a trend.
    const int conns = counts.back();
    const std::int64_t step = std::max<std::int64_t>(1, requests / 10);
    RunResult total;
    for (std::int64_t done = 0; done < requests; done += step) {
      RunResult r = Run(cfg, conns, duration, std::min(step, requests - done));
      total.ok += r.ok;
      total.errors += r.errors;
      total.seconds += r.seconds;
      if (total.first_error.empty()) total.first_error = r.first_error;
      const Processes procs = ProcessesOf(pid);
      std::printf("  soak %llu/%lld  %.0f exec/s  p50 %.0f us  p99 %.0f us  p99.9 %.0f us  RSS %s  fds %d  "
                  "workers %d (largest RSS %.1f MiB)\n",
                  static_cast<unsigned long long>(total.ok + total.errors), static_cast<long long>(requests),
                  r.ok / r.seconds, r.p50, r.p99, r.p999, Rss(pid).c_str(), OpenFds(pid), procs.children,
                  procs.largest_rss_kib / 1024.0);
      std::fflush(stdout);
    }
    std::printf("  soak total: %llu ok, %llu errors, %.0f exec/s over %d connections\n",
                static_cast<unsigned long long>(total.ok), static_cast<unsigned long long>(total.errors),
                total.ok / total.seconds, conns);
    if (total.errors) std::printf("       first error: %s\n", total.first_error.c_str());
  } else {
    for (int n : counts) Print(n, Run(cfg, n, duration, 0));
  }
  std::printf("  daemon RSS at end: %s\n", Rss(pid).c_str());
  return 0;
}
