// Lowering: ES2015+ JavaScript and TypeScript turned into the ES5 Duktape
// runs, by TypeScript's own compiler in compiler workers.
//
// The compiler workers are a Pool of their own (policy::CompilerPoolPolicy:
// confined like any worker, with the lowering.* limits), started on the
// first lowering and kept warm. A request's source reaches a compiler only
// as a JSON string literal (policy::LoweringCall); the supervisor reads
// back JSON, never JavaScript. What a compiler produced is cached per
// tenant (LoweringCache). On the io thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "policy/lowering.h"
#include "proto/api.pb.h"
#include "proto/policy.pb.h"
#include "proto/status.h"
#include "supervisor/pool/lowering_cache.h"
#include "supervisor/pool/pool.h"

namespace stockade::supervisor {

struct LoweringOutcome {
  bool ok = false;
  LoweredProgram program;         // the ES5 program and its line map, when ok
  // When not ok, what the request answers: SYNTAX_ERROR with the compiler's
  // first diagnostic (line, column, excerpt of the user's source), or why
  // the lowering itself failed (TIMEOUT, MEMORY_LIMIT, QUEUE_FULL, ...).
  api::ExecutionResult failure;
  std::uint64_t compile_time_us = 0;  // 0 when it came from the cache
  bool cached = false;
};

class Lowering {
 public:
  // Builds a compiler worker's configuration from the compiler pool's
  // policy (the Supervisor's BuildWorkerConfig, with compiler = true).
  using ConfigFor = std::function<StatusOr<WorkerConfig>(const policy::Policy&)>;

  Lowering(boost::asio::io_context& io, const policy::Policy& policy, ConfigFor config_for);
  ~Lowering();

  // Calls done exactly once, on the io thread.
  void Lower(const std::string& tenant, const std::string& source, policy::Language language,
             const std::string& filename, std::function<void(LoweringOutcome)> done);

  // Whether a lowering of this source is cached for the tenant: JavaScript
  // is lowered only after Duktape refused it, so a cached one can skip the
  // attempt on an ordinary worker.
  bool Cached(const std::string& tenant, const std::string& source, policy::Language language,
              const std::string& filename);

  // New limits (policy reload): compiler workers are replaced as they idle.
  void Reload(const policy::Policy& policy);
  // Stops the compiler pool (if it was started); on_stopped runs once it is.
  void Shutdown(std::function<void()> on_stopped);

  bool started() const { return pool_ != nullptr; }
  PoolStats Stats() const;

 private:
  LoweringOutcome Parse(const api::ExecutionResult& result, const std::string& source) const;

  boost::asio::io_context& io_;
  policy::Policy policy_;  // the compiler pool's
  ConfigFor config_for_;
  std::unique_ptr<Pool> pool_;
  LoweringCache cache_;
  std::uint64_t next_id_ = 1;
};

}  // namespace stockade::supervisor
