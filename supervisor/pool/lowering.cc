#include "supervisor/pool/lowering.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <chrono>
#include <utility>

#include "policy/limits.h"
#include "supervisor/common/log.h"

namespace stockade::supervisor {
namespace {

// The source's line `line` (1-based), cut around `column` when long, and a
// caret under the column: the excerpt an ordinary SYNTAX_ERROR carries.
std::string Excerpt(const std::string& source, std::uint32_t line, std::uint32_t column) {
  std::size_t start = 0;
  for (std::uint32_t l = 1; l < line && start != std::string::npos; ++l) {
    start = source.find('\n', start);
    if (start != std::string::npos) ++start;
  }
  if (start == std::string::npos || start > source.size()) return "";
  std::size_t end = source.find('\n', start);
  std::string text = source.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (!text.empty() && text.back() == '\r') text.pop_back();
  std::size_t caret = column > 0 ? column - 1 : 0;
  constexpr std::size_t kWidth = 120;
  if (text.size() > kWidth) {
    const std::size_t from = caret > kWidth / 2 ? caret - kWidth / 2 : 0;
    text = text.substr(from, kWidth);
    caret -= from;
  }
  // Tabs keep their width under the caret.
  std::string marker;
  for (std::size_t i = 0; i < caret && i < text.size(); ++i) marker += text[i] == '\t' ? '\t' : ' ';
  return text + "\n" + marker + "^";
}

api::ExecutionResult Failure(api::Status status, std::string detail) {
  api::ExecutionResult r;
  r.set_status(status);
  r.set_detail(std::move(detail));
  return r;
}

}  // namespace

Lowering::Lowering(boost::asio::io_context& io, const policy::Policy& policy, ConfigFor config_for)
    : io_(io),
      policy_(policy::CompilerPoolPolicy(policy)),
      config_for_(std::move(config_for)),
      cache_(policy.lowering().cache_bytes_per_tenant()) {}

Lowering::~Lowering() = default;

void Lowering::Reload(const policy::Policy& policy) {
  policy_ = policy::CompilerPoolPolicy(policy);
  cache_.set_budget(policy.lowering().cache_bytes_per_tenant());
  if (!pool_) return;
  auto config = config_for_(policy_);
  if (!config.ok()) {
    Log(LogLevel::kWarn, "lowering_reload_failed", {{"error", config.status().message()}});
    return;
  }
  config->compiler = true;
  pool_->Reload(policy_, std::move(config).value());
}

void Lowering::Shutdown(std::function<void()> on_stopped) {
  if (!pool_) {
    on_stopped();
    return;
  }
  pool_->Shutdown(/*kill_running=*/true, std::move(on_stopped));
}

PoolStats Lowering::Stats() const { return pool_ ? pool_->Stats() : PoolStats{}; }

bool Lowering::Cached(const std::string& tenant, const std::string& source, policy::Language language,
                      const std::string& filename) {
  return cache_.Find(tenant, LoweringCache::Key(policy::LanguageName(language), filename, source)) != nullptr;
}

void Lowering::Lower(const std::string& tenant, const std::string& source, policy::Language language,
                     const std::string& filename, std::function<void(LoweringOutcome)> done) {
  std::string key = LoweringCache::Key(policy::LanguageName(language), filename, source);
  if (const LoweredProgram* program = cache_.Find(tenant, key)) {
    LoweringOutcome hit;
    hit.ok = true;
    hit.program = *program;
    hit.cached = true;
    done(std::move(hit));
    return;
  }
  if (!pool_) {
    auto config = config_for_(policy_);
    if (!config.ok()) {
      LoweringOutcome failed;
      failed.failure = Failure(api::INTERNAL, "cannot start a compiler worker: " + config.status().message());
      done(std::move(failed));
      return;
    }
    config->compiler = true;
    pool_ = std::make_unique<Pool>(io_, policy_, std::move(config).value());
    pool_->Start();
    Log(LogLevel::kInfo, "compiler_pool_start", {{"workers", policy_.pool().size()}});
  }
  auto job = std::make_shared<Job>();
  job->execute.set_execution_id(next_id_++);
  job->execute.set_code(policy::LoweringCall(source, language, filename));
  job->execute.set_filename("lowering");
  *job->execute.mutable_limits() = policy::EffectiveRunLimits(policy_, api::Limits());
  const auto started = std::chrono::steady_clock::now();
  job->on_done = [this, tenant, key = std::move(key), source, started,
                  done = std::move(done)](api::ExecutionResult result) mutable {
    LoweringOutcome outcome = Parse(result, source);
    outcome.compile_time_us = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count());
    if (outcome.ok) cache_.Insert(tenant, std::move(key), outcome.program);
    done(std::move(outcome));
  };
  pool_->Submit(std::move(job));
}

LoweringOutcome Lowering::Parse(const api::ExecutionResult& result, const std::string& source) const {
  LoweringOutcome out;
  switch (result.status()) {
    case api::OK: break;
    case api::TIMEOUT:
      out.failure = Failure(api::TIMEOUT, "lowering the script took longer than lowering.timeout_ms (" +
                                              std::to_string(policy_.limits().timeout_ms()) + " ms)");
      return out;
    case api::MEMORY_LIMIT:
      out.failure = Failure(api::MEMORY_LIMIT, "lowering the script needed more than lowering.heap_bytes (" +
                                                   std::to_string(policy_.limits().memory_bytes()) + " bytes)");
      return out;
    case api::RUNTIME_ERROR:
      // TypeScript's parser recurses per level of nesting: source nested
      // deeper than its stack allows is the script's fault, told as such.
      if (result.error().name() == "RangeError") {
        out.failure.set_status(api::SYNTAX_ERROR);
        api::ScriptError* error = out.failure.mutable_error();
        error->set_name("SyntaxError");
        error->set_message("the script is nested too deeply to be lowered (the compiler ran out of stack: " +
                           result.error().message() + ")");
        out.failure.set_detail("SyntaxError: " + error->message());
        return out;
      }
      out.failure = Failure(api::INTERNAL, "lowering the script failed: RUNTIME_ERROR: " + result.detail());
      return out;
    case api::QUEUE_FULL:
    case api::CANCELLED:
      out.failure = result;
      out.failure.set_detail("lowering: " + result.detail());
      return out;
    default:
      out.failure = Failure(api::INTERNAL, "lowering the script failed: " +
                                               std::string(api::Status_Name(result.status())) + ": " + result.detail());
      return out;
  }
  google::protobuf::Struct lowered;
  if (!google::protobuf::util::JsonStringToMessage(result.value_json(), &lowered).ok() ||
      !lowered.fields().count("output") || !lowered.fields().at("output").has_string_value()) {
    out.failure = Failure(api::INTERNAL, "the compiler worker answered something else than a lowering");
    return out;
  }
  const auto& diagnostics = lowered.fields().count("diagnostics")
                                ? lowered.fields().at("diagnostics").list_value().values()
                                : google::protobuf::RepeatedPtrField<google::protobuf::Value>();
  if (!diagnostics.empty()) {
    const auto& d = diagnostics[0].struct_value().fields();
    auto number = [&](const char* k) {
      auto it = d.find(k);
      return it == d.end() ? 0u : static_cast<std::uint32_t>(it->second.number_value());
    };
    const std::string message = d.count("message") ? d.at("message").string_value() : "syntax error";
    const std::uint32_t line = number("line"), column = number("column");
    out.failure.set_status(api::SYNTAX_ERROR);
    api::ScriptError* error = out.failure.mutable_error();
    error->set_name("SyntaxError");
    // Positioned as Duktape's own syntax errors are.
    error->set_message(message + " (line " + std::to_string(line) + ", column " + std::to_string(column) + ")");
    error->set_line(line);
    error->set_column(column);
    error->set_excerpt(Excerpt(source, line, column));
    std::string detail = "SyntaxError: " + error->message();
    if (diagnostics.size() > 1) detail += " and " + std::to_string(diagnostics.size() - 1) + " more";
    out.failure.set_detail(std::move(detail));
    return out;
  }
  out.ok = true;
  out.program.code = lowered.fields().at("output").string_value();
  if (auto it = lowered.fields().find("lines"); it != lowered.fields().end()) {
    const auto& lines = it->second.list_value().values();
    out.program.lines.reserve(lines.size());
    for (const auto& line : lines) {
      const double n = line.number_value();
      out.program.lines.push_back(n >= 1 && n <= 4294967295.0 ? static_cast<std::uint32_t>(n) : 0);
    }
  }
  return out;
}

}  // namespace stockade::supervisor
