// The one logging facade: structured JSON lines on stderr.
//
// Every record is one object per line with time, level and event, plus
// whatever fields the caller attaches (worker id, pid, execution id). Code,
// results and secrets are never passed here. The threshold is process-wide:
// the CLI keeps it at "warn" so a user's terminal shows only trouble; the
// daemon logs "info". Between fork and exec nothing logs through this (the
// child has only raw write(2)).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace stockade::supervisor {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
// "debug", "info", "warn", "error", "off"; false for anything else.
bool ParseLogLevel(std::string_view text, LogLevel* out);

struct LogField {
  std::string_view key;
  std::variant<std::string_view, std::int64_t, std::uint64_t, bool> value;
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, int v) : key(k), value(std::int64_t{v}) {}
  LogField(std::string_view k, long v) : key(k), value(std::int64_t{v}) {}
  LogField(std::string_view k, long long v) : key(k), value(std::int64_t{v}) {}
  LogField(std::string_view k, unsigned v) : key(k), value(std::uint64_t{v}) {}
  LogField(std::string_view k, unsigned long v) : key(k), value(std::uint64_t{v}) {}
  LogField(std::string_view k, unsigned long long v) : key(k), value(std::uint64_t{v}) {}
  LogField(std::string_view k, bool v) : key(k), value(v) {}
};

void Log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields = {});
void Log(LogLevel level, std::string_view event, const std::vector<LogField>& fields);

}  // namespace stockade::supervisor
