#include "supervisor/common/log.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "policy/json_string.h"

namespace stockade::supervisor {
namespace {

std::atomic<LogLevel> g_level{LogLevel::kWarn};

constexpr std::string_view kLevelNames[] = {"debug", "info", "warn", "error", "off"};

void AppendTime(std::string* out) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(micros));
  out->append(buf);
}

}  // namespace

void SetLogLevel(LogLevel level) { g_level.store(level); }
LogLevel GetLogLevel() { return g_level.load(); }

bool ParseLogLevel(std::string_view text, LogLevel* out) {
  for (int i = 0; i <= static_cast<int>(LogLevel::kOff); ++i) {
    if (text == kLevelNames[i]) {
      *out = static_cast<LogLevel>(i);
      return true;
    }
  }
  return false;
}

namespace {

void LogRange(LogLevel level, std::string_view event, const LogField* begin, const LogField* end) {
  if (level < g_level.load(std::memory_order_relaxed) || level == LogLevel::kOff) return;
  std::string line = "{\"time\":\"";
  AppendTime(&line);
  line.append("\",\"level\":\"");
  line.append(kLevelNames[static_cast<int>(level)]);
  line.append("\",\"event\":");
  policy::AppendJsonString(event, &line);
  for (const LogField* it = begin; it != end; ++it) {
    const LogField& f = *it;
    line.push_back(',');
    policy::AppendJsonString(f.key, &line);
    line.push_back(':');
    if (auto* s = std::get_if<std::string_view>(&f.value)) {
      policy::AppendJsonString(*s, &line);
    } else if (auto* i = std::get_if<std::int64_t>(&f.value)) {
      line.append(std::to_string(*i));
    } else if (auto* u = std::get_if<std::uint64_t>(&f.value)) {
      line.append(std::to_string(*u));
    } else {
      line.append(std::get<bool>(f.value) ? "true" : "false");
    }
  }
  line.append("}\n");
  // One write per record keeps lines whole when several threads log.
  [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace

void Log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields) {
  LogRange(level, event, fields.begin(), fields.end());
}

void Log(LogLevel level, std::string_view event, const std::vector<LogField>& fields) {
  LogRange(level, event, fields.data(), fields.data() + fields.size());
}

}  // namespace stockade::supervisor
