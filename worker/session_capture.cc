#include "worker/session_capture.h"

#include <algorithm>
#include <charconv>
#include <string>
#include <unordered_set>
#include <vector>

#include "worker/duk_class.h"
#include "worker/session_encoder.h"
#include "worker/session_json.h"

namespace stockade::worker {
namespace session {
namespace {

// The names every run's global starts with (the object at skip_idx, made
// once per worker and never changed), as the addresses of their interned
// strings: a global's key is the same string, so a lookup here replaces a
// property lookup per key. The object keeps the strings alive. Which object
// the set was made from is marked on it with a number no other object gets
// (an address could be reused by another heap's object, in tests that make
// several heaps).
const std::unordered_set<const void*>& TemplateNames(duk_context* ctx, duk_idx_t skip_idx) {
  static constexpr char kMark[] = DUK_HIDDEN_SYMBOL("StockadeNamesSet");
  static double made_for = 0;
  static std::unordered_set<const void*> names;
  duk_get_prop_string(ctx, skip_idx, kMark);
  const double mark = duk_get_number_default(ctx, -1, 0);
  duk_pop(ctx);
  if (mark != 0 && mark == made_for) return names;
  names.clear();
  duk_enum(ctx, skip_idx, DUK_ENUM_OWN_PROPERTIES_ONLY | DUK_ENUM_INCLUDE_NONENUMERABLE);
  while (duk_next(ctx, -1, 0)) {
    names.insert(duk_get_heapptr(ctx, -1));
    duk_pop(ctx);
  }
  duk_pop(ctx);
  made_for += 1;
  duk_push_number(ctx, made_for);
  duk_put_prop_string(ctx, skip_idx, kMark);
  return names;
}

}  // namespace

void StateEncoder::Run(bool has_last) {
  last_idx_ = duk_get_top(ctx_) - 4;
  helpers_ = last_idx_ + 1;
  skip_ = last_idx_ + 2;
  registry_ = last_idx_ + 3;
  hold_ = last_idx_ + 4;
  tag_symbol_ = last_idx_ + 5;
  object_proto_ = last_idx_ + 6;
  registry_len_ = duk_is_array(ctx_, registry_) ? static_cast<duk_uarridx_t>(duk_get_length(ctx_, registry_)) : 0;
  duk_push_array(ctx_);  // hold_
  duk_get_prop_string(ctx_, helpers_, "toStringTag");
  duk_get_prop_string(ctx_, helpers_, "objectPrototype");
  duk_push_global_object(ctx_);
  const duk_idx_t global = duk_get_top_index(ctx_);

  // The names to look at, held on the stack (a getter run below may
  // change the table, not these): the global's own string keys but those
  // every run's global starts with, read slot by slot from its property
  // table; through an enumerator when the table cannot be read so.
  const duk_idx_t names_at = duk_get_top(ctx_);
  const std::unordered_set<const void*>& template_names = TemplateNames(ctx_, skip_);
  for (duk_uint32_t slot = 0;; ++slot) {
    duk_require_stack(ctx_, 1);
    const duk_int_t got = stockade_duk_push_own_key(ctx_, global, slot);
    if (got == -2) {
      duk_set_top(ctx_, names_at);
      duk_enum(ctx_, global, DUK_ENUM_OWN_PROPERTIES_ONLY | DUK_ENUM_INCLUDE_NONENUMERABLE);
      for (duk_require_stack(ctx_, 1); duk_next(ctx_, -1, 0); duk_require_stack(ctx_, 1)) duk_insert(ctx_, -2);
      duk_pop(ctx_);
      break;
    }
    if (got == -1) break;
    if (got == 1 && template_names.count(duk_get_heapptr(ctx_, -1)) > 0) duk_pop(ctx_);
  }
  const duk_idx_t names_end = duk_get_top(ctx_);
  bool first = true;
  variables_.push_back('[');
  for (duk_idx_t at = names_at; at < names_end; ++at) {
    duk_dup(ctx_, at);  // [names... name]
    std::size_t n = 0;
    const char* name = duk_get_lstring(ctx_, -1, &n);
    const std::string_view key(name, n);
    if (key == "_" || template_names.count(duk_get_heapptr(ctx_, -1)) > 0) {
      duk_pop(ctx_);
      continue;
    }
    duk_dup(ctx_, -1);
    duk_get_prop(ctx_, global);  // [enum name value]
    // TypeScript's helpers a lowered program defined are no variables: they
    // come along when a lowered function that may need them is kept.
    if (registry_len_ > 0 && duk_is_function(ctx_, -1)) {
      EnsureEntries();
      auto it = entry_of_.find(duk_get_heapptr(ctx_, -1));
      if (it != entry_of_.end() && kind_of_[it->second / kEntryFields] == 'h') {
        duk_get_prop_index(ctx_, registry_, it->second + 1);
        const bool same = duk_is_string(ctx_, -1) && key == duk_get_string(ctx_, -1);
        duk_pop(ctx_);
        if (same) {
          duk_pop_2(ctx_);
          continue;
        }
      }
    }
    const std::uint64_t before = objects_.size() + sources_bytes_;
    std::uint64_t props_before = 0;
    for (const KeptFunction& k : kept_) props_before += k.props.size();
    const std::size_t mark = bindings_.size();
    if (!first) bindings_.push_back(',');
    bindings_.push_back('[');
    AppendDukJsonString(name, n, &bindings_);
    bindings_.push_back(',');
    const std::size_t ref_at = bindings_.size();
    if (!Ref(-1, Step::kRoot, 0, key, false, &bindings_)) {
      bindings_.resize(mark);
      duk_pop_2(ctx_);
      continue;
    }
    const std::size_t ref_bytes = bindings_.size() - ref_at;
    bindings_.push_back(']');
    first = false;
    Drain();
    std::uint64_t props_after = 0;
    for (const KeptFunction& k : kept_) props_after += k.props.size();
    const std::uint64_t bytes = ref_bytes + (objects_.size() + sources_bytes_ - before) + (props_after - props_before);
    if (variables_.size() > 1) variables_.push_back(',');
    ++variables_count_;
    variables_.append("{\"name\":");
    AppendDukJsonString(name, n, &variables_);
    variables_.append(",\"bytes\":");
    variables_.append(std::to_string(bytes));
    variables_.push_back('}');
    duk_pop_2(ctx_);
  }
  duk_set_top(ctx_, names_at);
  variables_.push_back(']');

  // `_` is the last run's value that was one: this run's, or the one the
  // session had (restored into this global) when this run had none.
  bool want_last = has_last;
  if (!has_last) {
    duk_push_string(ctx_, "_");
    duk_get_prop_desc(ctx_, global, 0);
    want_last = duk_is_object(ctx_, -1);
    duk_pop(ctx_);
  }
  if (want_last) {
    if (has_last) {
      duk_dup(ctx_, last_idx_);
    } else {
      duk_get_prop_string(ctx_, global, "_");
    }
    has_l_ = Ref(-1, Step::kRoot, 0, "_", false, &last_);
    duk_pop(ctx_);
    Drain();
  }
  // What restore could not re-create (registry.lost) comes first.
  if (registry_len_ > 0 || duk_is_array(ctx_, registry_)) {
    duk_get_prop_string(ctx_, registry_, "lost");
    if (duk_is_array(ctx_, -1)) {
      std::vector<std::string> lost;
      for (duk_size_t i = 0, n = duk_get_length(ctx_, -1); i < n; ++i) {
        duk_get_prop_index(ctx_, -1, static_cast<duk_uarridx_t>(i));
        std::size_t len = 0;
        const char* s = duk_safe_to_lstring(ctx_, -1, &len);
        lost.emplace_back(s, len);
        duk_pop(ctx_);
      }
      dropped_.insert(dropped_.begin(), lost.begin(), lost.end());
    }
    duk_pop(ctx_);
  }
  Tick();
  ticks_ = kCheckEvery - 1;
  Tick();
}

void StateEncoder::Finish(CapturedSession* out) {
  std::string& s = out->state;
  s.reserve(TextBytes() + 64);
  s.append("{\"v\":2,\"b\":[");
  s.append(bindings_);
  s.append("],\"o\":[");
  s.append(objects_);
  s.push_back(']');
  if (has_l_) {
    s.append(",\"l\":");
    s.append(last_);
  }
  // The kept functions' sources in the order they were registered (each
  // re-created after what it was created after: a base class before its
  // subclass), TypeScript's helpers too when a lowered one is among them.
  std::vector<std::uint32_t> used;
  for (const KeptFunction& k : kept_) used.push_back(k.at);
  if (!used.empty()) {
    bool lowered = false;
    for (std::uint32_t at : used) lowered = lowered || kind_of_[at / kEntryFields] == 'l';
    if (lowered) {
      std::vector<std::string> helper_names;
      for (duk_uarridx_t e = 0; e + kEntryFields <= registry_len_; e += kEntryFields) {
        if (kind_of_[e / kEntryFields] != 'h' || !has_text_[e / kEntryFields]) continue;
        duk_get_prop_index(ctx_, registry_, e + 1);
        const std::string name = duk_safe_to_string(ctx_, -1);
        duk_pop(ctx_);
        if (std::find(helper_names.begin(), helper_names.end(), name) != helper_names.end()) continue;
        helper_names.push_back(name);
        duk_get_prop_index(ctx_, registry_, e);
        const bool first_entry = duk_is_object(ctx_, -1) && entry_of_[duk_get_heapptr(ctx_, -1)] == e;
        duk_pop(ctx_);
        if (first_entry && kept_of_.find(e) == kept_of_.end()) {
          kept_of_.emplace(e, static_cast<std::uint32_t>(kept_.size()));
          kept_.push_back(KeptFunction{e, {}});
          used.push_back(e);
        }
      }
    }
    std::sort(used.begin(), used.end());
    s.append(",\"f\":[");
    for (std::size_t i = 0; i < used.size(); ++i) {
      const std::uint32_t at = used[i];
      if (i > 0) s.push_back(',');
      s.append("{\"n\":");
      duk_get_prop_index(ctx_, registry_, at + 1);
      AppendStringAt(-1, &s);
      s.append(",\"s\":");
      duk_get_prop_index(ctx_, registry_, at + 2);
      AppendStringAt(-1, &s);
      s.append(",\"k\":\"");
      s.push_back(kind_of_[at / kEntryFields]);
      s.push_back('"');
      duk_get_prop_index(ctx_, registry_, at + 3);
      if (duk_is_string(ctx_, -1) && duk_get_length(ctx_, -1) > 0) {
        s.append(",\"w\":");
        AppendStringAt(-1, &s);
      }
      duk_pop_3(ctx_);
      const std::string& props = kept_[kept_of_[at]].props;
      if (!props.empty()) {
        s.append(",\"p\":");
        s.append(props);
      }
      s.push_back('}');
    }
    s.push_back(']');
    // Number the references: the rank of their registry index.
    std::string numbered;
    numbered.reserve(s.size());
    std::size_t from = 0;
    for (std::size_t at = s.find(kFnMark); at != std::string::npos; at = s.find(kFnMark, from)) {
      const std::size_t end = s.find(kFnMark, at + 1);
      numbered.append(s, from, at - from);
      std::uint32_t reg = 0;
      std::from_chars(s.data() + at + 1, s.data() + end, reg);
      numbered.append(std::to_string(std::lower_bound(used.begin(), used.end(), reg) - used.begin()));
      from = end + 1;
    }
    numbered.append(s, from, std::string::npos);
    s.swap(numbered);
  }
  s.push_back('}');

  out->variables_json = std::move(variables_);
  out->variables = variables_count_;
  out->dropped = std::move(dropped_);
}

}  // namespace session
namespace {

struct CaptureCall {
  session::StateEncoder* capturer;
  bool has_last;
  CapturedSession* out;
};

duk_ret_t CaptureOnStack(duk_context* ctx, void* udata) {
  auto* call = static_cast<CaptureCall*>(udata);
  call->capturer->Run(call->has_last);
  call->capturer->Finish(call->out);
  (void)ctx;
  return 0;
}

}  // namespace

CaptureOutcome CaptureSession(duk_context* env, duk_idx_t last_idx, bool has_last, duk_idx_t helpers_idx,
                              duk_idx_t skip_idx, duk_idx_t registry_idx, std::uint64_t max_state_bytes,
                              CapturedSession* out) {
  if (max_state_bytes == 0 || max_state_bytes > kMaxSessionStateBytes) max_state_bytes = kMaxSessionStateBytes;
  last_idx = duk_normalize_index(env, last_idx);
  helpers_idx = duk_normalize_index(env, helpers_idx);
  skip_idx = duk_normalize_index(env, skip_idx);
  registry_idx = duk_normalize_index(env, registry_idx);
  // The safe call's own stack: [last helpers skip registry].
  for (duk_idx_t idx : {last_idx, helpers_idx, skip_idx, registry_idx}) duk_dup(env, idx);
  session::StateEncoder capturer(env, max_state_bytes);
  CaptureCall call{&capturer, has_last, out};
  if (duk_safe_call(env, CaptureOnStack, &call, 4, 1) != DUK_EXEC_SUCCESS) {
    *out = CapturedSession();
    if (!capturer.too_large()) return CaptureOutcome::kThrew;
    duk_pop(env);
    return CaptureOutcome::kTooLarge;
  }
  duk_pop(env);
  if (out->state.size() + out->variables_json.size() > max_state_bytes) {
    *out = CapturedSession();
    return CaptureOutcome::kTooLarge;
  }
  return CaptureOutcome::kOk;
}

}  // namespace stockade::worker
