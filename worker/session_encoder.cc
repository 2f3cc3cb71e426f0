#include "worker/session_encoder.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "worker/duk_class.h"
#include "worker/session_json.h"
#include "worker/utf8.h"

namespace stockade::worker::session {
namespace {

// The typed array names, by Duktape class.
const char* TypedName(int cls) {
  switch (cls) {
    case duk_class::kInt8Array: return "Int8Array";
    case duk_class::kUint8Array: return "Uint8Array";
    case duk_class::kUint8ClampedArray: return "Uint8ClampedArray";
    case duk_class::kInt16Array: return "Int16Array";
    case duk_class::kUint16Array: return "Uint16Array";
    case duk_class::kInt32Array: return "Int32Array";
    case duk_class::kUint32Array: return "Uint32Array";
    case duk_class::kFloat32Array: return "Float32Array";
    case duk_class::kFloat64Array: return "Float64Array";
    default: return nullptr;
  }
}

bool IsArrayIndexKey(std::string_view k) {
  if (k.empty() || k.size() > 10 || (k.size() > 1 && k[0] == '0')) return false;
  std::uint64_t v = 0;
  for (char c : k) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v < 4294967295ull;
}

template <typename T>
void AppendElements(const unsigned char* p, std::size_t count, std::string* out) {
  for (std::size_t i = 0; i < count; ++i) {
    T v;
    std::memcpy(&v, p + i * sizeof(T), sizeof(T));
    if (i > 0) out->push_back(',');
    if constexpr (std::is_floating_point_v<T>) {
      const double d = static_cast<double>(v);
      if (!std::isfinite(d)) {
        out->append("null");  // as JSON.stringify writes them
      } else {
        AppendJsonNumber(d == 0 ? 0.0 : d, out);
      }
    } else {
      out->append(std::to_string(v));
    }
  }
}

}  // namespace

void StateEncoder::Tick() {
  if (++ticks_ % kCheckEvery != 0) return;
  if (heap_->deadline().Check(MonotonicNowNs())) (void)duk_error(ctx_, DUK_ERR_RANGE_ERROR, "timeout");
  const std::uint64_t text = TextBytes();
  if (text > max_state_bytes_) {
    too_large_ = true;
    (void)duk_error(ctx_, DUK_ERR_RANGE_ERROR, "the session's state is too large");
  }
  if (!heap_->allocator().AdmitExternal(text + nodes_.size() * kBytesPerObject)) {
    (void)duk_error(ctx_, DUK_ERR_RANGE_ERROR, "the session's state does not fit in the run's memory");
  }
}

std::uint64_t StateEncoder::TextBytes() const {
  std::uint64_t n = bindings_.size() + objects_.size() + last_.size() + sources_bytes_ + variables_.size();
  for (const KeptFunction& k : kept_) n += k.props.size();
  return n;
}

void StateEncoder::Drop(std::string path) {
  // The supervisor shows 50, of 200 bytes each.
  if (dropped_.size() >= kMaxDropped) return;
  if (path.size() > kMaxDroppedBytes) path.resize(kMaxDroppedBytes);
  std::string valid;
  AppendValidUtf8(path, Utf8Mode::kReplace, &valid);
  dropped_.push_back(std::move(valid));
}

std::string StateEncoder::PathOf(std::uint32_t from, Step step, std::uint32_t index, std::string_view key) const {
  std::vector<std::string> parts;
  auto piece = [](Step s, std::uint32_t i, std::string_view k) -> std::string {
    switch (s) {
      case Step::kRoot: return std::string(k);
      case Step::kKey: return "." + std::string(k);
      case Step::kIndex: return "[" + std::to_string(i) + "]";
      case Step::kMapKey: return "<key>";
      case Step::kMapValue: return ".get(" + std::string(k) + ")";
      case Step::kSetMember: return "<member>";
      case Step::kConstructor: return ".constructor";
    }
    return {};
  };
  parts.push_back(piece(step, index, key));
  for (std::uint32_t n = from; n != kNoNode; n = nodes_[n].parent) {
    if ((n & kFnBit) != 0) {
      parts.push_back(fn_paths_[n & ~kFnBit]);
      break;
    }
    parts.push_back(piece(nodes_[n].step, nodes_[n].index, nodes_[n].key));
  }
  std::string path;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) path += *it;
  return path;
}

void StateEncoder::EnsureEntries() {
  if (entries_ready_) return;
  entries_ready_ = true;
  has_text_.assign(registry_len_ / kEntryFields + 1, false);
  kind_of_.assign(registry_len_ / kEntryFields + 1, 0);
  for (duk_uarridx_t e = 0; e + kEntryFields <= registry_len_; e += kEntryFields) {
    duk_get_prop_index(ctx_, registry_, e);
    void* fn = duk_is_object(ctx_, -1) ? duk_get_heapptr(ctx_, -1) : nullptr;
    duk_pop(ctx_);
    duk_get_prop_index(ctx_, registry_, e + 2);
    const bool text = duk_is_string(ctx_, -1);
    duk_pop(ctx_);
    duk_get_prop_index(ctx_, registry_, e + 4);
    kind_of_[e / kEntryFields] = duk_is_string(ctx_, -1) ? duk_get_string(ctx_, -1)[0] : 0;
    duk_pop(ctx_);
    has_text_[e / kEntryFields] = text;
    if (fn == nullptr) continue;
    auto [it, inserted] = entry_of_.try_emplace(fn, e);
    if (!inserted && !has_text_[it->second / kEntryFields] && text) it->second = e;
  }
}

int StateEncoder::ClassFor(void* proto) {
  if (!classes_ready_) {
    classes_ready_ = true;
    EnsureEntries();
    for (duk_uarridx_t e = 0; e + kEntryFields <= registry_len_; e += kEntryFields) {
      if (!has_text_[e / kEntryFields]) continue;
      duk_get_prop_index(ctx_, registry_, e);
      if (duk_is_object(ctx_, -1) && entry_of_[duk_get_heapptr(ctx_, -1)] == e) {
        duk_get_prop_string(ctx_, -1, "prototype");
        if (duk_is_object(ctx_, -1)) class_of_.try_emplace(duk_get_heapptr(ctx_, -1), e);
        duk_pop(ctx_);
      }
      duk_pop(ctx_);
    }
  }
  auto it = class_of_.find(proto);
  return it == class_of_.end() ? -1 : static_cast<int>(it->second);
}

Kind StateEncoder::Classify(duk_idx_t idx, std::string* tag) {
  if (duk_is_array(ctx_, idx)) return Kind::kArray;
  const int cls = stockade_duk_class_number(ctx_, idx);
  // Object.prototype.toString's tag: @@toStringTag when it is a string,
  // else the class's.
  duk_dup(ctx_, tag_symbol_);
  duk_get_prop(ctx_, idx < 0 ? idx - 1 : idx);
  const bool tagged = duk_is_string(ctx_, -1) && !duk_is_symbol(ctx_, -1);
  if (tagged) {
    std::size_t n = 0;
    const char* t = duk_get_lstring(ctx_, -1, &n);
    tag->assign(t, n);
  }
  duk_pop(ctx_);
  if (tagged) {
    if (*tag == "Map") return Kind::kMap;
    if (*tag == "Set") return Kind::kSet;
    if (*tag == "Object" || *tag == "Arguments") return Kind::kObject;
  }
  const char* builtin = nullptr;
  Kind kind = Kind::kDropped;
  switch (cls) {
    case duk_class::kObject: builtin = "Object", kind = Kind::kObject; break;
    case duk_class::kArguments: builtin = "Arguments", kind = Kind::kObject; break;
    case duk_class::kDate: builtin = "Date", kind = Kind::kDate; break;
    case duk_class::kRegExp: builtin = "RegExp", kind = Kind::kRegExp; break;
    case duk_class::kError: builtin = "Error", kind = Kind::kError; break;
    case duk_class::kArrayBuffer: builtin = "ArrayBuffer", kind = Kind::kBuffer; break;
    case duk_class::kBoolean: builtin = "Boolean"; break;
    case duk_class::kNumber: builtin = "Number"; break;
    case duk_class::kString: builtin = "String"; break;
    case duk_class::kSymbol: builtin = "Symbol"; break;
    case duk_class::kDataView: builtin = "DataView"; break;
    case duk_class::kJson: builtin = "JSON"; break;
    case duk_class::kMath: builtin = "Math"; break;
    case duk_class::kGlobal: builtin = "global"; break;
    case duk_class::kThread: builtin = "Thread"; break;
    case duk_class::kPointer: builtin = "Pointer"; break;
    default:
      if (const char* typed = TypedName(cls)) builtin = typed, kind = Kind::kBuffer;
      break;
  }
  if (tagged && (builtin == nullptr || *tag != builtin)) return Kind::kDropped;
  if (builtin == nullptr) builtin = "Object";
  if (!tagged) tag->assign(builtin);
  return kind;
}

bool StateEncoder::Ref(duk_idx_t idx, Step step, std::uint32_t index, std::string_view key, bool quiet,
                   std::string* out) {
  switch (duk_get_type(ctx_, idx)) {
    case DUK_TYPE_UNDEFINED: out->append("{\"u\":1}"); return true;
    case DUK_TYPE_NULL: out->append("null"); return true;
    case DUK_TYPE_BOOLEAN: out->append(duk_get_boolean(ctx_, idx) ? "true" : "false"); return true;
    case DUK_TYPE_NUMBER: {
      const double d = duk_get_number(ctx_, idx);
      if (std::isnan(d)) {
        out->append("{\"n\":\"NaN\"}");
      } else if (std::isinf(d)) {
        out->append(d > 0 ? "{\"n\":\"Infinity\"}" : "{\"n\":\"-Infinity\"}");
      } else if (d == 0 && std::signbit(d)) {
        out->append("{\"n\":\"-0\"}");
      } else {
        AppendJsonNumber(d, out);
      }
      return true;
    }
    case DUK_TYPE_STRING:
      if (duk_is_symbol(ctx_, idx)) {
        Drop(PathOf(current_, step, index, key) + ": a Symbol");
        return false;
      }
      AppendStringAt(idx, out);
      return true;
    case DUK_TYPE_OBJECT: break;
    default:  // buffers, pointers, lightfuncs: nothing a script makes
      if (!quiet) Drop(PathOf(current_, step, index, key) + ": a host value");
      return false;
  }
  if (duk_is_function(ctx_, idx)) return FunctionRef(idx, step, index, key, quiet, out);
  void* ptr = duk_get_heapptr(ctx_, idx);
  if (auto it = ids_.find(ptr); it != ids_.end()) {
    out->append("{\"#\":");
    out->append(std::to_string(it->second));
    out->push_back('}');
    return true;
  }
  std::string tag;
  const Kind kind = Classify(idx, &tag);
  if (kind == Kind::kDropped) {
    Drop(PathOf(current_, step, index, key) + ": a " + tag);
    return false;
  }
  const auto id = static_cast<std::uint32_t>(nodes_.size());
  ids_.emplace(ptr, id);
  duk_dup(ctx_, idx);
  duk_put_prop_index(ctx_, hold_, id);
  nodes_.push_back(Node{ptr, current_, step, kind, index, std::string(key)});
  out->append("{\"#\":");
  out->append(std::to_string(id));
  out->push_back('}');
  Tick();
  return true;
}

bool StateEncoder::FunctionRef(duk_idx_t idx, Step step, std::uint32_t index, std::string_view key, bool quiet,
                           std::string* out) {
  EnsureEntries();
  auto it = entry_of_.find(duk_get_heapptr(ctx_, idx));
  if (it == entry_of_.end() || !has_text_[it->second / kEntryFields]) {
    if (!quiet) {
      Drop(PathOf(current_, step, index, key) + (it == entry_of_.end()
                                                     ? ": a function not declared at top level"
                                                     : ": a function whose source could not be recorded"));
    }
    return false;
  }
  const std::uint32_t at = it->second;
  if (kept_of_.find(at) == kept_of_.end()) {
    kept_of_.emplace(at, static_cast<std::uint32_t>(kept_.size()));
    kept_.push_back(KeptFunction{at, {}});
    // Its own enumerable properties as they are now (fmt.cache, a class's
    // static fields); function-valued ones are left to the source.
    const std::uint32_t saved = current_;
    fn_paths_.push_back(PathOf(saved, step, index, key));
    current_ = kFnBit | static_cast<std::uint32_t>(fn_paths_.size() - 1);
    std::string& props = kept_.back().props;
    Properties(idx, /*skip_indexes=*/false, /*quiet=*/true, &props);
    current_ = saved;
    if (props.size() <= 2) props.clear();
    duk_get_prop_index(ctx_, registry_, at + 2);
    sources_bytes_ += duk_get_length(ctx_, -1);
    duk_pop(ctx_);
  }
  out->append("{\"f\":");
  out->push_back(kFnMark);
  out->append(std::to_string(at));
  out->push_back(kFnMark);
  out->push_back('}');
  return true;
}

void StateEncoder::AppendStringAt(duk_idx_t idx, std::string* out) {
  std::size_t n = 0;
  const char* s = duk_get_lstring(ctx_, idx, &n);
  AppendDukJsonString(s, n, out);
}

void StateEncoder::AppendStringProp(duk_idx_t idx, const char* name, std::string* out) {
  duk_get_prop_string(ctx_, idx, name);
  AppendStringValue(out);
}

// String(v) of the value on top, appended; popped.
void StateEncoder::AppendStringValue(std::string* out) {
  if (duk_is_symbol(ctx_, -1)) {
    duk_pop(ctx_);
    duk_push_string(ctx_, "Symbol()");
  }
  duk_to_string(ctx_, -1);
  AppendStringAt(-1, out);
  duk_pop(ctx_);
}

// {"k":ref,...} of the own enumerable string keys of the object at idx.
void StateEncoder::Properties(duk_idx_t idx, bool skip_indexes, bool quiet, std::string* out) {
  idx = duk_normalize_index(ctx_, idx);
  out->push_back('{');
  bool first = true;
  duk_enum(ctx_, idx, DUK_ENUM_OWN_PROPERTIES_ONLY);
  while (duk_next(ctx_, -1, 1)) {  // [enum key value]
    std::size_t n = 0;
    const char* k = duk_get_lstring(ctx_, -2, &n);
    const std::string_view key(k, n);
    if (!(skip_indexes && IsArrayIndexKey(key))) {
      const std::size_t mark = out->size();
      if (!first) out->push_back(',');
      AppendDukJsonString(k, n, out);
      out->push_back(':');
      if (Ref(-1, Step::kKey, 0, key, quiet, out)) {
        first = false;
      } else {
        out->resize(mark);
      }
    }
    duk_pop_2(ctx_);
  }
  duk_pop(ctx_);
  out->push_back('}');
}

// A Map's or Set's entries, through core-js's own list (host.collection*).
void StateEncoder::Entries(duk_idx_t idx, bool map) {
  duk_get_prop_string(ctx_, helpers_, map ? "readMap" : "readSet");
  duk_dup(ctx_, idx);
  duk_call(ctx_, 1);  // [list]; a Map in name only throws here
  const duk_idx_t list = duk_get_top_index(ctx_);
  const duk_size_t n = duk_get_length(ctx_, list);
  objects_.append(map ? "{\"t\":\"M\",\"e\":[" : "{\"t\":\"S\",\"e\":[");
  bool first = true;
  for (duk_size_t i = 0; i < n; i += map ? 2 : 1) {
    Tick();
    const std::size_t mark = objects_.size();
    if (!first) objects_.push_back(',');
    duk_get_prop_index(ctx_, list, static_cast<duk_uarridx_t>(i));
    if (!map) {
      if (Ref(-1, Step::kSetMember, 0, {}, false, &objects_)) {
        first = false;
      } else {
        objects_.resize(mark);
      }
      duk_pop(ctx_);
      continue;
    }
    duk_get_prop_index(ctx_, list, static_cast<duk_uarridx_t>(i + 1));  // [key value]
    objects_.push_back('[');
    bool kept = Ref(-2, Step::kMapKey, 0, {}, false, &objects_);
    objects_.push_back(',');
    std::string shown = "…";
    if (duk_is_string(ctx_, -2) && !duk_is_symbol(ctx_, -2)) {
      shown.clear();
      AppendStringAt(-2, &shown);
    }
    kept = Ref(-1, Step::kMapValue, 0, shown, false, &objects_) && kept;
    objects_.push_back(']');
    if (kept) {
      first = false;
    } else {
      objects_.resize(mark);
    }
    duk_pop_2(ctx_);
  }
  objects_.append("]}");
  duk_pop(ctx_);
}

void StateEncoder::Buffer(duk_idx_t idx, int cls) {
  duk_size_t size = 0;
  const auto* p = static_cast<const unsigned char*>(duk_get_buffer_data(ctx_, idx, &size));
  if (p == nullptr) size = 0;
  const char* name = cls == duk_class::kArrayBuffer ? "ArrayBuffer" : TypedName(cls);
  objects_.append("{\"t\":\"B\",\"k\":\"");
  objects_.append(name);
  objects_.append("\",\"d\":[");
  if (size > max_state_bytes_) {
    too_large_ = true;
    (void)duk_error(ctx_, DUK_ERR_RANGE_ERROR, "the session's state is too large");
  }
  switch (cls) {
    case duk_class::kInt8Array: AppendElements<std::int8_t>(p, size, &objects_); break;
    case duk_class::kInt16Array: AppendElements<std::int16_t>(p, size / 2, &objects_); break;
    case duk_class::kUint16Array: AppendElements<std::uint16_t>(p, size / 2, &objects_); break;
    case duk_class::kInt32Array: AppendElements<std::int32_t>(p, size / 4, &objects_); break;
    case duk_class::kUint32Array: AppendElements<std::uint32_t>(p, size / 4, &objects_); break;
    case duk_class::kFloat32Array: AppendElements<float>(p, size / 4, &objects_); break;
    case duk_class::kFloat64Array: AppendElements<double>(p, size / 8, &objects_); break;
    default: AppendElements<std::uint8_t>(p, size, &objects_); break;
  }
  objects_.append("]}");
  Tick();
}

void StateEncoder::Encode(std::uint32_t id) {
  if (id > 0) objects_.push_back(',');
  current_ = id;
  duk_push_heapptr(ctx_, nodes_[id].ptr);
  const duk_idx_t v = duk_get_top_index(ctx_);
  switch (nodes_[id].kind) {
    case Kind::kArray: {
      objects_.append("{\"t\":\"A\",\"e\":[");
      const duk_size_t n = duk_get_length(ctx_, v);
      for (duk_size_t i = 0; i < n; ++i) {
        if ((i & 1023) == 1023) Tick();
        if (i > 0) objects_.push_back(',');
        duk_get_prop_index(ctx_, v, static_cast<duk_uarridx_t>(i));
        if (!Ref(-1, Step::kIndex, static_cast<std::uint32_t>(i), {}, false, &objects_)) objects_.append("{\"u\":1}");
        duk_pop(ctx_);
      }
      objects_.append("],\"p\":");
      if (stockade_duk_dense_only(ctx_, v)) {
        objects_.append("{}");
      } else {
        Properties(v, /*skip_indexes=*/true, false, &objects_);
      }
      objects_.push_back('}');
      break;
    }
    case Kind::kDate: {
      duk_get_prop_string(ctx_, helpers_, "dateGetTime");
      duk_dup(ctx_, v);
      duk_call_method(ctx_, 0);
      objects_.append("{\"t\":\"D\",\"v\":");
      const double t = duk_get_number(ctx_, -1);
      if (std::isnan(t)) {
        objects_.append("{\"n\":\"NaN\"}");
      } else {
        AppendJsonNumber(t, &objects_);
      }
      objects_.push_back('}');
      duk_pop(ctx_);
      break;
    }
    case Kind::kRegExp:
      objects_.append("{\"t\":\"R\",\"s\":");
      AppendStringProp(v, "source", &objects_);
      objects_.append(",\"f\":");
      AppendStringProp(v, "flags", &objects_);
      objects_.push_back('}');
      break;
    case Kind::kMap: Entries(v, true); break;
    case Kind::kSet: Entries(v, false); break;
    case Kind::kError: {
      objects_.append("{\"t\":\"E\",\"n\":");
      AppendStringProp(v, "name", &objects_);
      objects_.append(",\"m\":");
      AppendStringProp(v, "message", &objects_);
      objects_.append(",\"s\":");
      duk_get_prop_string(ctx_, v, "stack");  // String(v.stack || '')
      duk_dup_top(ctx_);
      if (!duk_to_boolean(ctx_, -1)) {
        duk_pop_2(ctx_);
        objects_.append("\"\"");
      } else {
        duk_pop(ctx_);
        AppendStringValue(&objects_);
      }
      objects_.push_back('}');
      break;
    }
    case Kind::kBuffer: Buffer(v, stockade_duk_class_number(ctx_, v)); break;
    case Kind::kObject: {
      objects_.append("{\"t\":\"O\"");
      // An instance of a kept class comes back with its prototype.
      if (registry_len_ > 0) {
        duk_get_prototype(ctx_, v);
        if (duk_is_object(ctx_, -1) && duk_get_heapptr(ctx_, -1) != duk_get_heapptr(ctx_, object_proto_)) {
          const int at = ClassFor(duk_get_heapptr(ctx_, -1));
          if (at >= 0) {
            duk_get_prop_index(ctx_, registry_, static_cast<duk_uarridx_t>(at));
            objects_.append(",\"c\":");
            if (!FunctionRef(-1, Step::kConstructor, 0, {}, true, &objects_)) objects_.resize(objects_.size() - 5);
            duk_pop(ctx_);
          }
        }
        duk_pop(ctx_);
      }
      objects_.append(",\"p\":");
      Properties(v, false, false, &objects_);
      objects_.push_back('}');
      break;
    }
    case Kind::kDropped: break;
  }
  duk_pop(ctx_);
}

void StateEncoder::Drain() {
  while (next_ < nodes_.size()) {
    const std::uint32_t id = next_++;
    Encode(id);
  }
  current_ = kNoNode;
}

}  // namespace stockade::worker::session
