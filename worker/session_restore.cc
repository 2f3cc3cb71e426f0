#include "worker/session_restore.h"

#include <cmath>
#include <string>
#include <vector>

#include "worker/heap.h"
#include "worker/session_json.h"

namespace stockade::worker {
namespace {

// A state's deepest nesting is 5 ({"o":[{"p":{"k":{"#":1}}}]}); a source's
// properties add one or two.
constexpr std::size_t kMaxDepth = 16;
constexpr std::uint32_t kCheckEvery = 512;
constexpr duk_uint_t kDefineFlags = DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_HAVE_WRITABLE | DUK_DEFPROP_WRITABLE |
                                    DUK_DEFPROP_HAVE_ENUMERABLE | DUK_DEFPROP_ENUMERABLE |
                                    DUK_DEFPROP_HAVE_CONFIGURABLE | DUK_DEFPROP_CONFIGURABLE;

using Type = JsonNode::Type;

class Restorer {
 public:
  explicit Restorer(duk_context* ctx, const JsonDoc& doc) : ctx_(ctx), heap_(Heap::From(ctx)), doc_(doc) {}

  // Under duk_safe_call: [... helpers registry].
  void Run();

 private:
  [[noreturn]] void Malformed(const char* what) {
    (void)duk_error(ctx_, DUK_ERR_TYPE_ERROR, "session state: %s", what);
    __builtin_unreachable();
  }
  const JsonNode& N(std::uint32_t i) const { return doc_.nodes[i]; }
  std::uint32_t Member(std::uint32_t o, const char* key) const { return doc_.Member(o, key); }
  void PushString(std::uint32_t i) {
    const std::string_view s = doc_.String(N(i));
    duk_push_lstring(ctx_, s.data(), s.size());
  }
  bool IsString(std::uint32_t i, const char* s) const {
    return i != 0 && N(i).type == Type::kString && doc_.String(N(i)) == s;
  }
  // The i-th child of an array node (children walked by `end`).
  template <typename F>
  void ForEach(std::uint32_t array, F&& f) {
    std::uint32_t c = array + 1;
    for (std::uint32_t k = 0; k < N(array).count; ++k) {
      f(c, k);
      c = N(c).end;
    }
  }
  void Tick() {
    if (++ticks_ % kCheckEvery == 0 && heap_->deadline().Check(MonotonicNowNs())) {
      (void)duk_error(ctx_, DUK_ERR_RANGE_ERROR, "timeout");
    }
  }
  // Pushes the value of reference r; false (nothing pushed) for a function
  // that was lost.
  bool PushValue(std::uint32_t r);
  bool PushFunction(std::uint32_t r);
  void PushSpecial(std::uint32_t r);
  void Make(std::uint32_t o);
  void Fill(duk_idx_t target, std::uint32_t props);
  void FillObject(std::uint32_t o, std::uint32_t id);

  duk_context* ctx_;
  Heap* heap_;
  const JsonDoc& doc_;
  std::uint32_t ticks_ = 0;
  duk_idx_t helpers_ = 0, registry_ = 0, global_ = 0, made_ = 0, fns_ = 0;
  std::vector<void*> made_ptrs_;
  std::vector<void*> fn_ptrs_;  // null: lost
};

void Restorer::PushSpecial(std::uint32_t r) {
  // {"u":1} is undefined; {"n": "NaN" | "Infinity" | "-Infinity" | "-0"}.
  if (Member(r, "u") != 0) {
    duk_push_undefined(ctx_);
    return;
  }
  const std::uint32_t n = Member(r, "n");
  if (n == 0) Malformed("a malformed value");
  if (N(n).type == Type::kNumber) {
    duk_push_number(ctx_, N(n).number);
  } else if (IsString(n, "-0")) {
    duk_push_number(ctx_, -0.0);
  } else if (IsString(n, "Infinity")) {
    duk_push_number(ctx_, HUGE_VAL);
  } else if (IsString(n, "-Infinity")) {
    duk_push_number(ctx_, -HUGE_VAL);
  } else {
    duk_push_nan(ctx_);
  }
}

bool Restorer::PushFunction(std::uint32_t r) {
  const std::uint32_t f = Member(r, "f");
  if (f == 0 || N(f).type != Type::kNumber) Malformed("a dangling function reference");
  const double i = N(f).number;
  if (!(i >= 0 && i < static_cast<double>(fn_ptrs_.size())) || i != std::floor(i)) {
    Malformed("a dangling function reference");
  }
  void* fn = fn_ptrs_[static_cast<std::size_t>(i)];
  if (fn == nullptr) return false;
  duk_push_heapptr(ctx_, fn);
  return true;
}

bool Restorer::PushValue(std::uint32_t r) {
  const JsonNode& n = N(r);
  switch (n.type) {
    case Type::kNull: duk_push_null(ctx_); return true;
    case Type::kTrue: duk_push_true(ctx_); return true;
    case Type::kFalse: duk_push_false(ctx_); return true;
    case Type::kNumber: duk_push_number(ctx_, n.number); return true;
    case Type::kString: PushString(r); return true;
    case Type::kArray: Malformed("a malformed value");
    case Type::kObject: break;
  }
  if (const std::uint32_t id = Member(r, "#"); id != 0) {
    const double i = N(id).type == Type::kNumber ? N(id).number : -1;
    if (!(i >= 0 && i < static_cast<double>(made_ptrs_.size())) || i != std::floor(i)) {
      Malformed("a dangling reference");
    }
    duk_push_heapptr(ctx_, made_ptrs_[static_cast<std::size_t>(i)]);
    return true;
  }
  if (Member(r, "f") != 0) return PushFunction(r);
  PushSpecial(r);
  return true;
}

// An object of o's kind, empty; pushed.
void Restorer::Make(std::uint32_t o) {
  if (N(o).type != Type::kObject) Malformed("a malformed object");
  const std::uint32_t t = Member(o, "t");
  const std::string_view kind = t != 0 && N(t).type == Type::kString ? doc_.String(N(t)) : "";
  auto construct = [&](const char* ctor, duk_idx_t nargs) {
    duk_get_prop_string(ctx_, helpers_, ctor);
    duk_insert(ctx_, -1 - nargs);
    duk_new(ctx_, nargs);
  };
  if (kind == "O") {
    const std::uint32_t c = Member(o, "c");
    duk_push_object(ctx_);
    // An instance of a kept class; a plain object if it was lost.
    if (c != 0 && N(c).type == Type::kObject && PushFunction(c)) {
      duk_get_prop_string(ctx_, -1, "prototype");
      if (duk_is_object(ctx_, -1)) {
        duk_set_prototype(ctx_, -3);
        duk_pop(ctx_);
      } else {
        duk_pop_2(ctx_);
      }
    }
  } else if (kind == "A") {
    duk_push_array(ctx_);
  } else if (kind == "D") {
    const std::uint32_t v = Member(o, "v");
    if (v != 0 && N(v).type == Type::kNumber) {
      duk_push_number(ctx_, N(v).number);
    } else if (v != 0 && N(v).type == Type::kObject) {
      PushSpecial(v);
    } else {
      Malformed("a malformed value");
    }
    construct("Date", 1);
  } else if (kind == "R") {
    for (const char* field : {"s", "f"}) {
      const std::uint32_t s = Member(o, field);
      if (s == 0) {
        duk_push_undefined(ctx_);
      } else if (N(s).type == Type::kString) {
        PushString(s);
      } else {
        Malformed("a malformed regular expression");
      }
    }
    construct("RegExp", 2);
  } else if (kind == "M" || kind == "S") {
    construct(kind == "M" ? "Map" : "Set", 0);
  } else if (kind == "E") {
    const std::uint32_t name = Member(o, "n"), message = Member(o, "m");
    duk_get_prop_string(ctx_, helpers_, "errorCtors");
    bool own = false;
    if (name != 0 && N(name).type == Type::kString) {
      PushString(name);
      duk_get_prop_desc(ctx_, -2, 0);
      own = duk_is_object(ctx_, -1);
      duk_pop(ctx_);
    }
    if (own) {
      PushString(name);
      duk_get_prop(ctx_, -2);
    } else {
      duk_get_prop_string(ctx_, -1, "Error");
    }
    duk_remove(ctx_, -2);
    if (message != 0 && N(message).type != Type::kString) Malformed("a malformed error");
    if (message != 0) {
      PushString(message);
    } else {
      duk_push_undefined(ctx_);
    }
    duk_new(ctx_, 1);
    duk_push_string(ctx_, "name");
    if (name != 0 && N(name).type == Type::kString) {
      PushString(name);
    } else {
      duk_push_undefined(ctx_);
    }
    duk_def_prop(ctx_, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WRITABLE | DUK_DEFPROP_CLEAR_ENUMERABLE |
                               DUK_DEFPROP_SET_CONFIGURABLE);
  } else if (kind == "B") {
    const std::uint32_t k = Member(o, "k"), d = Member(o, "d");
    if (k == 0 || N(k).type != Type::kString || d == 0 || N(d).type != Type::kArray) {
      Malformed("a malformed buffer");
    }
    duk_get_prop_string(ctx_, helpers_, "makeBuffer");
    PushString(k);
    duk_push_array(ctx_);
    ForEach(d, [&](std::uint32_t e, std::uint32_t i) {
      const Type type = N(e).type;
      if (type == Type::kArray || type == Type::kObject) Malformed("a malformed buffer");
      PushValue(e);
      duk_put_prop_index(ctx_, -2, i);
      Tick();
    });
    duk_call(ctx_, 2);
  } else {
    Malformed("an unknown object kind");
  }
}

// target[key] = value for each member of props (an object node or 0).
void Restorer::Fill(duk_idx_t target, std::uint32_t props) {
  if (props == 0) return;
  if (N(props).type != Type::kObject) Malformed("malformed properties");
  std::uint32_t k = props + 1;
  for (std::uint32_t m = 0; m < N(props).count; ++m) {
    const std::uint32_t v = k + 1;
    if (PushValue(v)) {
      const std::string_view key = doc_.String(N(k));
      duk_put_prop_lstring(ctx_, target, key.data(), key.size());
    }
    k = N(v).end;
    Tick();
  }
}

void Restorer::FillObject(std::uint32_t o, std::uint32_t id) {
  const std::uint32_t t = Member(o, "t");
  duk_push_heapptr(ctx_, made_ptrs_[id]);
  const duk_idx_t m = duk_get_top_index(ctx_);
  if (IsString(t, "A")) {
    const std::uint32_t e = Member(o, "e");
    if (e == 0 || N(e).type != Type::kArray) Malformed("a malformed array");
    ForEach(e, [&](std::uint32_t r, std::uint32_t i) {
      if (!PushValue(r)) duk_push_undefined(ctx_);
      duk_put_prop_index(ctx_, m, i);
      Tick();
    });
    Fill(m, Member(o, "p"));
  } else if (IsString(t, "O")) {
    Fill(m, Member(o, "p"));
  } else if (IsString(t, "M") || IsString(t, "S")) {
    const bool map = IsString(t, "M");
    const std::uint32_t e = Member(o, "e");
    if (e == 0 || N(e).type != Type::kArray) Malformed("a malformed collection");
    duk_get_prop_string(ctx_, helpers_, map ? "fillMap" : "fillSet");
    duk_dup(ctx_, m);
    duk_push_array(ctx_);
    duk_uarridx_t at = 0;
    ForEach(e, [&](std::uint32_t r, std::uint32_t) {
      Tick();
      if (!map) {
        if (PushValue(r)) duk_put_prop_index(ctx_, -2, at++);
        return;
      }
      if (N(r).type != Type::kArray || N(r).count != 2) Malformed("a malformed map entry");
      if (!PushValue(r + 1)) return;
      if (!PushValue(N(r + 1).end)) {
        duk_pop(ctx_);
        return;
      }
      duk_put_prop_index(ctx_, -3, at + 1);
      duk_put_prop_index(ctx_, -2, at);
      at += 2;
    });
    duk_call(ctx_, 2);
    duk_pop(ctx_);
  }
  duk_pop(ctx_);
}

void Restorer::Run() {
  registry_ = duk_get_top(ctx_) - 1;
  helpers_ = registry_ - 1;
  duk_push_global_object(ctx_);
  global_ = duk_get_top_index(ctx_);
  const std::uint32_t root = 0;
  const std::uint32_t v = Member(root, "v"), b = Member(root, "b"), o = Member(root, "o"), f = Member(root, "f");
  const double version = v != 0 && N(v).type == Type::kNumber ? N(v).number : 0;
  if ((version != 1 && version != 2) || b == 0 || N(b).type != Type::kArray || o == 0 ||
      N(o).type != Type::kArray || (f != 0 && (version == 1 || N(f).type != Type::kArray))) {
    Malformed("not version 1 or 2");
  }

  // Functions first, by the prelude (worker/prelude/session_state.js).
  if (f != 0 && N(f).count > 0) {
    duk_get_prop_string(ctx_, helpers_, "recreate");
    duk_dup(ctx_, global_);
    duk_push_array(ctx_);
    ForEach(f, [&](std::uint32_t s, std::uint32_t i) {
      if (N(s).type != Type::kObject) Malformed("a malformed function");
      duk_push_object(ctx_);
      for (const char* field : {"n", "s", "k", "w"}) {
        const std::uint32_t x = Member(s, field);
        if (x == 0) continue;
        if (N(x).type != Type::kString) Malformed("a malformed function");
        PushString(x);
        duk_put_prop_string(ctx_, -2, field);
      }
      duk_put_prop_index(ctx_, -2, i);
    });
    duk_dup(ctx_, registry_);
    duk_call(ctx_, 3);  // [fns]
  } else {
    duk_push_array(ctx_);
  }
  fns_ = duk_get_top_index(ctx_);
  for (duk_size_t i = 0, n = duk_get_length(ctx_, fns_); i < n; ++i) {
    duk_get_prop_index(ctx_, fns_, static_cast<duk_uarridx_t>(i));
    fn_ptrs_.push_back(duk_is_function(ctx_, -1) ? duk_get_heapptr(ctx_, -1) : nullptr);
    duk_pop(ctx_);
  }

  // Objects next (empty), held in an array, then their contents:
  // references may point forward and round.
  duk_push_array(ctx_);
  made_ = duk_get_top_index(ctx_);
  made_ptrs_.reserve(N(o).count);
  ForEach(o, [&](std::uint32_t x, std::uint32_t i) {
    Make(x);
    made_ptrs_.push_back(duk_get_heapptr(ctx_, -1));
    duk_put_prop_index(ctx_, made_, i);
    Tick();
  });
  ForEach(o, [&](std::uint32_t x, std::uint32_t i) { FillObject(x, i); });
  if (f != 0) {
    ForEach(f, [&](std::uint32_t s, std::uint32_t i) {
      if (fn_ptrs_[i] == nullptr) return;
      duk_push_heapptr(ctx_, fn_ptrs_[i]);
      Fill(duk_get_top_index(ctx_), Member(s, "p"));
      duk_pop(ctx_);
    });
  }

  std::vector<std::string_view> bound;
  ForEach(b, [&](std::uint32_t e, std::uint32_t) {
    if (N(e).type != Type::kArray || N(e).count != 2 || N(e + 1).type != Type::kString) {
      Malformed("a malformed binding");
    }
    const std::string_view name = doc_.String(N(e + 1));
    duk_push_lstring(ctx_, name.data(), name.size());
    if (!PushValue(N(e + 1).end)) {
      duk_pop(ctx_);
      return;
    }
    bound.push_back(name);
    duk_def_prop(ctx_, global_, kDefineFlags);
    Tick();
  });
  if (const std::uint32_t l = Member(root, "l"); l != 0) {
    duk_push_string(ctx_, "_");
    if (PushValue(l)) {
      duk_def_prop(ctx_, global_, kDefineFlags);
    } else {
      duk_pop(ctx_);
    }
  }
  // A function's name that is no binding (it was reassigned, or kept only
  // through an object) goes again, except TypeScript's helpers, which
  // restored lowered functions call.
  if (f != 0) {
    ForEach(f, [&](std::uint32_t s, std::uint32_t i) {
      if (fn_ptrs_[i] == nullptr || IsString(Member(s, "k"), "h")) return;
      const std::string_view name = doc_.String(N(Member(s, "n")));
      for (std::string_view x : bound) {
        if (x == name) return;
      }
      duk_get_prop_lstring(ctx_, global_, name.data(), name.size());
      const bool same = duk_get_heapptr(ctx_, -1) == fn_ptrs_[i];
      duk_pop(ctx_);
      if (same) duk_del_prop_lstring(ctx_, global_, name.data(), name.size());
    });
  }
}

duk_ret_t RestoreOnStack(duk_context* /*ctx*/, void* udata) {
  static_cast<Restorer*>(udata)->Run();
  return 0;
}

}  // namespace

bool RestoreSession(duk_context* env, std::string_view text, duk_idx_t helpers_idx, duk_idx_t registry_idx) {
  helpers_idx = duk_normalize_index(env, helpers_idx);
  registry_idx = duk_normalize_index(env, registry_idx);
  JsonDoc doc;
  std::string error;
  if (!ParseJsonDoc(text, kMaxDepth, &doc, &error)) {
    duk_push_error_object(env, DUK_ERR_TYPE_ERROR, "session state: not JSON (%s)", error.c_str());
    return false;
  }
  if (doc.nodes.empty() || doc.nodes[0].type != JsonNode::kObject) {
    duk_push_error_object(env, DUK_ERR_TYPE_ERROR, "session state: not version 1 or 2");
    return false;
  }
  if (!Heap::From(env)->allocator().AdmitExternal(doc.bytes())) {
    duk_push_error_object(env, DUK_ERR_RANGE_ERROR, "the session's state does not fit in the run's memory");
    return false;
  }
  duk_dup(env, helpers_idx);
  duk_dup(env, registry_idx);
  if (!duk_is_array(env, -1)) {
    duk_pop(env);
    duk_push_array(env);
  }
  Restorer restorer(env, doc);
  if (duk_safe_call(env, RestoreOnStack, &restorer, 2, 1) != DUK_EXEC_SUCCESS) return false;
  duk_pop(env);
  return true;
}

}  // namespace stockade::worker
