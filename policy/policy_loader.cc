#include "policy/policy_loader.h"

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include "policy/namespaces.h"
#include "policy/presets.h"
#include "policy/redaction.h"
#include "policy/syscall_policy.h"
#include "proto/frame.h"

namespace stockade::policy {
namespace {

constexpr std::uint64_t kMaxMemoryBytes = std::uint64_t{1} << 40;

class CollectErrors : public google::protobuf::io::ErrorCollector {
 public:
  explicit CollectErrors(std::string_view source) : source_(source) {}
  void AddError(int line, int column, const std::string& message) override {
    if (!first_.empty()) return;
    // The tokenizer counts from zero; editors count from one.
    first_ = source_ + ":" + std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": " +
             message;
  }
  const std::string& first() const { return first_; }

 private:
  std::string source_;
  std::string first_;
};

using ParseInfoTree = google::protobuf::TextFormat::ParseInfoTree;

StatusOr<Policy> Parse(std::string_view text, std::string_view source, ParseInfoTree* where) {
  Policy policy;
  CollectErrors errors(source);
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  if (where != nullptr) parser.WriteLocationsTo(where);
  if (!parser.ParseFromString(std::string(text), &policy)) {
    return Status::Error(errors.first().empty() ? std::string(source) + ": invalid policy"
                                                : errors.first());
  }
  return policy;
}

// "line:column" where the file sets the field at `path` ("limits.timeout_ms"),
// or "" when it does not.
std::string LocationOf(const ParseInfoTree& tree, std::string_view path) {
  const google::protobuf::Descriptor* d = Policy::descriptor();
  const ParseInfoTree* at = &tree;
  while (true) {
    const std::size_t dot = path.find('.');
    const google::protobuf::FieldDescriptor* f = d->FindFieldByName(std::string(path.substr(0, dot)));
    if (f == nullptr) return "";
    const int index = f->is_repeated() ? 0 : -1;
    if (dot == std::string_view::npos) {
      const auto loc = at->GetLocation(f, index);
      if (loc.line < 0) return "";
      return std::to_string(loc.line + 1) + ":" + std::to_string(loc.column + 1);
    }
    if (f->message_type() == nullptr) return "";
    at = at->GetTreeForNested(f, index);
    if (at == nullptr) return "";
    d = f->message_type();
    path.remove_prefix(dot + 1);
  }
}

// A validation error names fields ("policy: limits.max_timeout_ms must be
// >= timeout_ms"). Points at the first of them the file sets: the dotted
// path, or a bare name from the same message ("timeout_ms" above).
// "line:column" of the first occurrence of `needle` in text.
std::string LocationInText(std::string_view text, std::string_view needle) {
  const std::size_t at = text.find(needle);
  if (at == std::string_view::npos) return "";
  std::size_t line = 1, line_start = 0;
  for (std::size_t i = 0; i < at; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return std::to_string(line) + ":" + std::to_string(at - line_start + 1);
}

std::string LocateValidationError(const std::string& message, const ParseInfoTree& tree,
                                  std::string_view text) {
  // An entry of a list is named by its quoted value ("bogusKey", "open"):
  // where the file spells it is more precise than the list's first entry.
  for (std::size_t open = message.find('"'); open != std::string::npos;) {
    const std::size_t close = message.find('"', open + 1);
    if (close == std::string::npos) break;
    if (close > open + 1) {
      if (std::string loc = LocationInText(text, message.substr(open, close - open + 1)); !loc.empty()) {
        return loc;
      }
    }
    open = message.find('"', close + 1);
  }
  auto is_name = [](char c) { return (c >= 'a' && c <= 'z') || c == '_' || c == '.' || (c >= '0' && c <= '9'); };
  std::vector<std::string> words;
  for (std::size_t i = 0; i < message.size();) {
    if (!is_name(message[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < message.size() && is_name(message[j])) ++j;
    words.push_back(message.substr(i, j - i));
    i = j;
  }
  std::string parent;
  for (const std::string& w : words) {
    if (w.find('.') == std::string::npos || w.front() == '.' || w.back() == '.') continue;
    if (parent.empty()) parent = w.substr(0, w.rfind('.') + 1);
    if (std::string loc = LocationOf(tree, w); !loc.empty()) return loc;
  }
  if (parent.empty()) return "";
  for (const std::string& w : words) {
    if (w.find('.') != std::string::npos) continue;
    if (std::string loc = LocationOf(tree, parent + w); !loc.empty()) return loc;
  }
  return "";
}

}  // namespace

StatusOr<Policy> ParsePolicyText(std::string_view text, std::string_view source) {
  return Parse(text, source, nullptr);
}

Policy MergeOver(const Policy& defaults, const Policy& over) {
  Policy merged = defaults;
  if (over.seccomp().allow_size() > 0) merged.mutable_seccomp()->clear_allow();
  if (over.redaction().keys_size() > 0) merged.mutable_redaction()->clear_keys();
  if (over.redaction().patterns_size() > 0) merged.mutable_redaction()->clear_patterns();
  merged.MergeFrom(over);
  return merged;
}

Status ValidatePolicy(const Policy& p) {
  const auto& l = p.limits();
  auto need = [](bool ok, const char* what) {
    return ok ? Status::Ok() : Status::Error(std::string("policy: ") + what);
  };
  STOCKADE_RETURN_IF_ERROR(need(l.timeout_ms() > 0, "limits.timeout_ms must be > 0"));
  STOCKADE_RETURN_IF_ERROR(
      need(l.max_timeout_ms() >= l.timeout_ms(), "limits.max_timeout_ms must be >= timeout_ms"));
  STOCKADE_RETURN_IF_ERROR(need(l.memory_bytes() >= (1u << 20), "limits.memory_bytes must be >= 1 MiB"));
  STOCKADE_RETURN_IF_ERROR(need(l.max_memory_bytes() >= l.memory_bytes(),
                                "limits.max_memory_bytes must be >= memory_bytes"));
  STOCKADE_RETURN_IF_ERROR(need(l.output_bytes() > 0, "limits.output_bytes must be > 0"));
  STOCKADE_RETURN_IF_ERROR(need(l.max_output_bytes() >= l.output_bytes(),
                                "limits.max_output_bytes must be >= output_bytes"));
  STOCKADE_RETURN_IF_ERROR(need(l.result_bytes() > 0, "limits.result_bytes must be > 0"));
  // A worker sends at most wire::kMaxResultValueBytes of JSON (twice the
  // cap travels whole, for head and tail): a larger cap could not be kept.
  STOCKADE_RETURN_IF_ERROR(need(l.result_bytes() <= wire::kMaxResultValueBytes,
                                "limits.result_bytes must be <= 32 MiB (33554432)"));
  // RLIMIT_AS and the cgroup limit are heap ceiling + overhead: the sum must
  // not wrap around to a tiny limit.
  STOCKADE_RETURN_IF_ERROR(need(l.max_memory_bytes() <= kMaxMemoryBytes,
                                "limits.max_memory_bytes must be <= 1 TiB (1099511627776)"));
  STOCKADE_RETURN_IF_ERROR(need(l.memory_overhead_bytes() <= kMaxMemoryBytes,
                                "limits.memory_overhead_bytes must be <= 1 TiB (1099511627776)"));
  STOCKADE_RETURN_IF_ERROR(need(l.code_bytes() > 0, "limits.code_bytes must be > 0"));
  STOCKADE_RETURN_IF_ERROR(need(l.max_open_files() >= 3, "limits.max_open_files must be >= 3"));
  // Passed to setpriority(2) as an int: 2^32-1 would become -1, a priority
  // above the supervisor's.
  STOCKADE_RETURN_IF_ERROR(need(l.worker_nice() <= 19, "limits.worker_nice must be 0-19"));
  STOCKADE_RETURN_IF_ERROR(need(p.pool().size() > 0, "pool.size must be > 0"));
  STOCKADE_RETURN_IF_ERROR(Redactor::Create(p.redaction()).status());
  STOCKADE_RETURN_IF_ERROR(need(p.pool().spawn_timeout_ms() > 0, "pool.spawn_timeout_ms must be > 0"));
  STOCKADE_RETURN_IF_ERROR(need(p.recycle().max_executions() > 0, "recycle.max_executions must be > 0"));
  const auto& lw = p.lowering();
  STOCKADE_RETURN_IF_ERROR(need(lw.workers() >= 1 && lw.workers() <= 16, "lowering.workers must be 1-16"));
  STOCKADE_RETURN_IF_ERROR(need(lw.heap_bytes() >= (64u << 20), "lowering.heap_bytes must be >= 64 MiB"));
  STOCKADE_RETURN_IF_ERROR(need(lw.heap_bytes() <= (1ull << 40), "lowering.heap_bytes must be <= 1 TiB"));
  STOCKADE_RETURN_IF_ERROR(need(lw.timeout_ms() > 0, "lowering.timeout_ms must be > 0"));
  STOCKADE_RETURN_IF_ERROR(need(lw.max_lowerings() > 0, "lowering.max_lowerings must be > 0"));
  const auto& se = p.sessions();
  STOCKADE_RETURN_IF_ERROR(need(se.state_bytes() >= 1024, "sessions.state_bytes must be >= 1024"));
  STOCKADE_RETURN_IF_ERROR(need(se.state_bytes() <= (1ull << 30), "sessions.state_bytes must be <= 1 GiB"));
  STOCKADE_RETURN_IF_ERROR(need(se.max_variables() > 0, "sessions.max_variables must be > 0"));
  STOCKADE_RETURN_IF_ERROR(need(se.history_records() > 0, "sessions.history_records must be > 0"));
  STOCKADE_RETURN_IF_ERROR(need(se.ttl_seconds() > 0, "sessions.ttl_seconds must be > 0"));
  STOCKADE_RETURN_IF_ERROR(need(se.max_per_key() > 0 && se.max_per_key() <= se.max_sessions(),
                                "sessions.max_per_key must be 1 to sessions.max_sessions"));
  STOCKADE_RETURN_IF_ERROR(need(se.max_store_bytes() == 0 || se.max_store_bytes() >= (1ull << 20),
                                "sessions.max_store_bytes must be 0 (no bound) or >= 1 MiB (1048576)"));
  STOCKADE_RETURN_IF_ERROR(need(!p.daemon().state_dir().empty(), "daemon.state_dir must not be empty"));
  STOCKADE_RETURN_IF_ERROR(need(p.recycle().max_error_percent() <= 100,
                                "recycle.max_error_percent must be 0-100"));
  const auto& d = p.daemon();
  STOCKADE_RETURN_IF_ERROR(need(d.max_body_bytes() > 0, "daemon.max_body_bytes must be > 0"));
  STOCKADE_RETURN_IF_ERROR(need(d.max_retained_bytes_per_key() <= d.max_retained_bytes(),
                                "daemon.max_retained_bytes_per_key must be <= max_retained_bytes"));
  // One request body must fit in the budget, or no request could be read.
  STOCKADE_RETURN_IF_ERROR(need(d.max_buffered_bytes() >= d.max_body_bytes(),
                                "daemon.max_buffered_bytes must be >= max_body_bytes"));
  const std::string& mode = p.cgroup().mode();
  STOCKADE_RETURN_IF_ERROR(need(mode == "auto" || mode == "v2" || mode == "v1" || mode == "none",
                                "cgroup.mode must be one of auto, v2, v1, none"));
  // With unsafe_keep_root the worker keeps the supervisor's identity and
  // uid/gid are not used, so they may be anything, 0 included.
  STOCKADE_RETURN_IF_ERROR(need(p.identity().unsafe_keep_root() ||
                                    (p.identity().uid() != 0 && p.identity().gid() != 0),
                                "identity.uid and identity.gid must not be 0 (root); set "
                                "identity.unsafe_keep_root to keep root on purpose"));
  for (const auto& [field, text] : {std::pair{"namespaces.use", &p.namespaces().use()},
                                    std::pair{"namespaces.require", &p.namespaces().require()}}) {
    if (auto set = ParseNamespaceList(*text); !set.ok()) {
      return Status::Error(std::string("policy: ") + field + ": " + set.status().message());
    }
  }
  STOCKADE_ASSIGN_OR_RETURN(const unsigned use, ParseNamespaceList(p.namespaces().use()));
  STOCKADE_ASSIGN_OR_RETURN(const unsigned require, ParseNamespaceList(p.namespaces().require()));
  STOCKADE_RETURN_IF_ERROR(need((require & ~use) == 0, "namespaces.require names a namespace that "
                                                       "namespaces.use does not ask for"));
  return ValidateAllowlist(p.seccomp()).With("policy: seccomp");
}

StatusOr<Policy> PolicyFromText(std::string_view text, std::string_view source,
                                std::string_view name) {
  auto defaults = ParsePolicyText(DefaultPolicyText(), "policy/default.textproto (built in)");
  // The built-in text is tested; failing here is a build defect.
  if (!defaults.ok()) return defaults.status();
  ParseInfoTree where;
  STOCKADE_ASSIGN_OR_RETURN(Policy over, Parse(text, source, &where));
  Policy merged = MergeOver(*defaults, over);
  if (Status st = ValidatePolicy(merged); !st.ok()) {
    const std::string loc = LocateValidationError(st.message(), where, text);
    return st.With(loc.empty() ? std::string(name) : std::string(source) + ":" + loc);
  }
  return merged;
}

StatusOr<Policy> LoadPolicy(std::string_view spec) {
  if (spec.empty() || spec == "default") return PolicyFromText("", "default", "default");
  if (std::string_view preset = PresetText(spec); !preset.empty()) {
    return PolicyFromText(preset, std::string(spec) + " (built in)", spec);
  }
  std::ifstream in{std::string(spec)};
  if (!in) {
    return Status::Error("policy " + std::string(spec) +
                         ": no such file and not a preset (default, strict, permissive)");
  }
  std::stringstream text;
  text << in.rdbuf();
  return PolicyFromText(text.str(), spec, spec);
}

std::string PolicyToText(const Policy& policy) {
  std::string out;
  google::protobuf::TextFormat::Printer printer;
  printer.PrintToString(policy, &out);
  return out;
}

}  // namespace stockade::policy
