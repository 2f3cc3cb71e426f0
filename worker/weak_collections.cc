#include "worker/weak_collections.h"

#include <cstdint>
#include <string>

namespace stockade::worker {
namespace {

// On a collection: the hidden name its entries go by on their keys, itself
// (a pointer: an object inheriting from a collection is not one), and the
// list of entries kept on the collection itself.
constexpr char kSlot[] = DUK_HIDDEN_SYMBOL("stockadeWeakSlot");
constexpr char kSelf[] = DUK_HIDDEN_SYMBOL("stockadeWeakSelf");
constexpr char kSpill[] = DUK_HIDDEN_SYMBOL("stockadeWeakSpill");
// In the heap stash: collections made while the standard library was
// installed (core-js keeps its own state in one), and whether that is now.
constexpr char kTemplateList[] = "stockade.weak_template";
constexpr char kInstalling[] = "stockade.weak_installing";
// On a template collection: how many list entries the install left.
constexpr char kSpillKeep[] = DUK_HIDDEN_SYMBOL("stockadeWeakSpillKeep");

// An entry on a key: [value, the key (a pointer: no reference, so a key
// with entries is not a cycle reference counting cannot free), present].
// It is the key's own property, neither writable nor configurable (so
// Object.isFrozen and isSealed answer as if it were not there); deleting
// clears it in place.
enum EntryField : duk_uarridx_t { kValue = 0, kOwner = 1, kPresent = 2 };

enum class Kind : char { kMap = 'm', kSet = 's' };

const char* Name(Kind kind) { return kind == Kind::kMap ? "WeakMap" : "WeakSet"; }

// Stack after: [args... this slot]; returns the index of `this`.
duk_idx_t Receiver(duk_context* ctx, Kind kind, const char* method) {
  duk_push_this(ctx);
  const duk_idx_t self = duk_get_top_index(ctx);
  if (duk_is_object(ctx, self)) {
    duk_get_prop_string(ctx, self, kSelf);
    const bool same = duk_get_pointer(ctx, -1) == duk_get_heapptr(ctx, self);
    duk_pop(ctx);
    if (same && duk_get_prop_string(ctx, self, kSlot)) {
      duk_size_t len = 0;
      const char* slot = duk_get_lstring(ctx, -1, &len);
      // "\xFF" "stockadeWeak" then the kind.
      if (slot != nullptr && len > 13 && slot[13] == static_cast<char>(kind)) return self;
    }
  }
  return duk_type_error(ctx, "%s.prototype.%s called on an object that is not a %s", Name(kind), method, Name(kind));
}

enum class Lookup { kOwn, kOwnEmpty, kSpilled, kAbsent, kInherited, kForeign };

// Whether the object at `owner` (a pointer) is on the prototype chain of
// the object at idx.
bool OnPrototypeChain(duk_context* ctx, duk_idx_t idx, void* owner) {
  duk_dup(ctx, idx);
  bool found = false;
  for (int depth = 0; depth < 10000 && !found; ++depth) {
    duk_get_prototype(ctx, -1);
    duk_remove(ctx, -2);
    if (!duk_is_object(ctx, -1)) break;
    found = duk_get_heapptr(ctx, -1) == owner;
  }
  duk_pop(ctx);
  return found;
}

// Looks `key` (at key_idx, an object) up. kOwn / kOwnEmpty: its own entry
// (holding a value / cleared) is on the stack top; kSpilled: the list's
// [key, value] is on top and *spill_index says where; otherwise nothing is
// pushed: kAbsent (no entry), kInherited (one of an object it inherits
// from: the key may still take its own), kForeign (a Proxy showing its
// target's, or a key that cannot take one: the list only).
Lookup Find(duk_context* ctx, duk_idx_t key_idx, duk_idx_t self, duk_idx_t slot_idx, duk_uarridx_t* spill_index) {
  Lookup visible = Lookup::kAbsent;
  duk_dup(ctx, slot_idx);
  if (duk_get_prop(ctx, key_idx)) {
    duk_get_prop_index(ctx, -1, kOwner);
    void* owner = duk_get_pointer(ctx, -1);
    duk_pop(ctx);
    if (owner == duk_get_heapptr(ctx, key_idx)) {
      duk_get_prop_index(ctx, -1, kPresent);
      const bool present = duk_get_boolean(ctx, -1);
      duk_pop(ctx);
      return present ? Lookup::kOwn : Lookup::kOwnEmpty;
    }
    visible = owner != nullptr && OnPrototypeChain(ctx, key_idx, owner) ? Lookup::kInherited : Lookup::kForeign;
  }
  duk_pop(ctx);
  if (duk_get_prop_string(ctx, self, kSpill)) {
    const auto n = static_cast<duk_uarridx_t>(duk_get_length(ctx, -1));
    for (duk_uarridx_t i = 0; i < n; ++i) {
      duk_get_prop_index(ctx, -1, i);
      duk_get_prop_index(ctx, -1, 0);
      const bool same = duk_strict_equals(ctx, -1, key_idx) != 0;
      duk_pop(ctx);
      if (same) {
        duk_remove(ctx, -2);
        *spill_index = i;
        return Lookup::kSpilled;
      }
      duk_pop(ctx);
    }
  }
  duk_pop(ctx);
  return visible;
}

// [... key slot entry] -> the entry defined on the key, or an error (the
// key is not extensible).
duk_ret_t DefineOnKey(duk_context* ctx, void*) {
  duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_CLEAR_WRITABLE | DUK_DEFPROP_CLEAR_ENUMERABLE |
                            DUK_DEFPROP_CLEAR_CONFIGURABLE);
  return 0;
}

// Adds the entry for a key that has none of its own.
void Add(duk_context* ctx, duk_idx_t key_idx, duk_idx_t value_idx, duk_idx_t self, duk_idx_t slot_idx,
         bool on_key) {
  if (on_key) {
    duk_dup(ctx, key_idx);
    duk_dup(ctx, slot_idx);
    duk_push_array(ctx);
    duk_dup(ctx, value_idx);
    duk_put_prop_index(ctx, -2, kValue);
    duk_push_pointer(ctx, duk_get_heapptr(ctx, key_idx));
    duk_put_prop_index(ctx, -2, kOwner);
    duk_push_true(ctx);
    duk_put_prop_index(ctx, -2, kPresent);
    const bool defined = duk_safe_call(ctx, DefineOnKey, nullptr, 3, 1) == DUK_EXEC_SUCCESS;
    duk_pop(ctx);  // undefined, or the error
    if (defined) return;
  }
  if (!duk_get_prop_string(ctx, self, kSpill)) {
    duk_pop(ctx);
    duk_push_array(ctx);
    // Forced: a frozen collection still takes entries.
    duk_push_string(ctx, kSpill);
    duk_dup(ctx, -2);
    duk_def_prop(ctx, self, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE);
  }
  duk_push_array(ctx);
  duk_dup(ctx, key_idx);
  duk_put_prop_index(ctx, -2, 0);
  duk_dup(ctx, value_idx);
  duk_put_prop_index(ctx, -2, 1);
  duk_put_prop_index(ctx, -2, static_cast<duk_uarridx_t>(duk_get_length(ctx, -2)));
  duk_pop(ctx);
}

// With the entry Find found on the stack top: takes it out (and pops it).
void Remove(duk_context* ctx, Lookup where, duk_idx_t self, duk_uarridx_t spill_index) {
  if (where == Lookup::kOwn) {
    duk_push_undefined(ctx);
    duk_put_prop_index(ctx, -2, kValue);
    duk_push_false(ctx);
    duk_put_prop_index(ctx, -2, kPresent);
    duk_pop(ctx);
    return;
  }
  duk_pop(ctx);
  // Moves the last entry of the list into the removed one's place.
  duk_get_prop_string(ctx, self, kSpill);
  const auto n = static_cast<duk_uarridx_t>(duk_get_length(ctx, -1));
  duk_get_prop_index(ctx, -1, n - 1);
  duk_put_prop_index(ctx, -2, spill_index);
  duk_set_length(ctx, -1, n - 1);
  duk_pop(ctx);
}

template <Kind kind>
duk_ret_t Get(duk_context* ctx) {
  const duk_idx_t self = Receiver(ctx, kind, "get");
  if (!duk_is_object(ctx, 0)) return 0;
  duk_uarridx_t at = 0;
  const Lookup where = Find(ctx, 0, self, self + 1, &at);
  if (where == Lookup::kOwn) {
    duk_get_prop_index(ctx, -1, kValue);
  } else if (where == Lookup::kSpilled) {
    duk_get_prop_index(ctx, -1, 1);
  } else {
    return 0;
  }
  return 1;
}

template <Kind kind>
duk_ret_t Has(duk_context* ctx) {
  const duk_idx_t self = Receiver(ctx, kind, "has");
  duk_uarridx_t at = 0;
  const bool found = duk_is_object(ctx, 0) && [&] {
    const Lookup where = Find(ctx, 0, self, self + 1, &at);
    if (where == Lookup::kOwn || where == Lookup::kOwnEmpty || where == Lookup::kSpilled) duk_pop(ctx);
    return where == Lookup::kOwn || where == Lookup::kSpilled;
  }();
  duk_push_boolean(ctx, found);
  return 1;
}

template <Kind kind>
duk_ret_t Delete(duk_context* ctx) {
  const duk_idx_t self = Receiver(ctx, kind, "delete");
  if (!duk_is_object(ctx, 0)) {
    duk_push_false(ctx);
    return 1;
  }
  duk_uarridx_t at = 0;
  const Lookup where = Find(ctx, 0, self, self + 1, &at);
  const bool found = where == Lookup::kOwn || where == Lookup::kSpilled;
  if (found) {
    Remove(ctx, where, self, at);
  } else if (where == Lookup::kOwnEmpty) {
    duk_pop(ctx);
  }
  duk_push_boolean(ctx, found);
  return 1;
}

// map.set(key, value) and set.add(value): returns the collection.
template <Kind kind>
duk_ret_t Put(duk_context* ctx) {
  const char* method = kind == Kind::kMap ? "set" : "add";
  duk_set_top(ctx, kind == Kind::kMap ? 2 : 1);
  if (kind == Kind::kSet) duk_push_true(ctx);  // [value true]
  const duk_idx_t self = Receiver(ctx, kind, method);
  if (!duk_is_object(ctx, 0)) {
    return duk_type_error(ctx, kind == Kind::kMap ? "Invalid value used as weak map key"
                                                  : "Invalid value used in weak set");
  }
  duk_uarridx_t at = 0;
  const Lookup where = Find(ctx, 0, self, self + 1, &at);
  if (where == Lookup::kOwn || where == Lookup::kOwnEmpty) {
    duk_dup(ctx, 1);
    duk_put_prop_index(ctx, -2, kValue);
    duk_push_true(ctx);
    duk_put_prop_index(ctx, -2, kPresent);
    duk_pop(ctx);
  } else if (where == Lookup::kSpilled) {
    duk_dup(ctx, 1);
    duk_put_prop_index(ctx, -2, 1);
    duk_pop(ctx);
  } else {
    Add(ctx, 0, 1, self, self + 1, /*on_key=*/where != Lookup::kForeign);
  }
  duk_dup(ctx, self);
  return 1;
}

std::uint64_t next_collection = 0;

// new WeakMap([iterable]), new WeakSet([iterable]): the iterable is read
// with Array.from (the standard library's, installed by then).
template <Kind kind>
duk_ret_t Construct(duk_context* ctx) {
  if (!duk_is_constructor_call(ctx)) return duk_type_error(ctx, "Constructor %s requires 'new'", Name(kind));
  duk_set_top(ctx, 1);
  duk_push_this(ctx);  // [iterable this]
  const std::string slot =
      std::string(DUK_HIDDEN_SYMBOL("stockadeWeak")) + static_cast<char>(kind) + std::to_string(++next_collection);
  duk_push_lstring(ctx, slot.data(), slot.size());
  duk_put_prop_string(ctx, 1, kSlot);
  duk_push_pointer(ctx, duk_get_heapptr(ctx, 1));
  duk_put_prop_string(ctx, 1, kSelf);
  duk_push_heap_stash(ctx);
  if (duk_get_prop_string(ctx, -1, kInstalling) && duk_get_boolean(ctx, -1)) {
    duk_get_prop_string(ctx, -2, kTemplateList);
    duk_dup(ctx, 1);
    duk_put_prop_index(ctx, -2, static_cast<duk_uarridx_t>(duk_get_length(ctx, -2)));
    duk_pop(ctx);
  }
  duk_pop_2(ctx);
  if (duk_is_null_or_undefined(ctx, 0)) return 0;
  duk_get_global_string(ctx, "Array");
  duk_get_prop_string(ctx, -1, "from");
  duk_swap_top(ctx, -2);
  duk_dup(ctx, 0);
  duk_call_method(ctx, 1);  // [iterable this entries]
  const auto n = static_cast<duk_uarridx_t>(duk_get_length(ctx, 2));
  for (duk_uarridx_t i = 0; i < n; ++i) {
    duk_dup(ctx, 1);
    duk_get_prop_string(ctx, -1, kind == Kind::kMap ? "set" : "add");
    duk_swap_top(ctx, -2);  // [... adder this]
    duk_get_prop_index(ctx, 2, i);
    if (kind == Kind::kMap) {
      if (!duk_is_object(ctx, -1)) return duk_type_error(ctx, "Iterator value is not an entry object");
      duk_get_prop_index(ctx, -1, 0);
      duk_get_prop_index(ctx, -2, 1);
      duk_remove(ctx, -3);
    }
    duk_call_method(ctx, kind == Kind::kMap ? 2 : 1);
    duk_pop(ctx);
  }
  return 0;
}

void Method(duk_context* ctx, const char* name, duk_c_function fn, duk_idx_t nargs) {
  duk_push_c_function(ctx, fn, nargs);
  duk_push_string(ctx, "name");
  duk_push_string(ctx, name);
  duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE);
  duk_push_string(ctx, name);
  duk_insert(ctx, -2);
  duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WRITABLE | DUK_DEFPROP_SET_CONFIGURABLE |
                            DUK_DEFPROP_CLEAR_ENUMERABLE);
}

template <Kind kind>
void Define(duk_context* ctx) {
  duk_push_global_object(ctx);
  duk_push_string(ctx, Name(kind));
  duk_push_c_function(ctx, Construct<kind>, DUK_VARARGS);
  duk_push_string(ctx, "name");
  duk_push_string(ctx, Name(kind));
  duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE);
  duk_push_string(ctx, "length");
  duk_push_int(ctx, 0);
  duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE);
  duk_push_object(ctx);  // the prototype
  if (kind == Kind::kMap) {
    Method(ctx, "get", Get<kind>, 1);
    Method(ctx, "set", Put<kind>, 2);
  } else {
    Method(ctx, "add", Put<kind>, 1);
  }
  Method(ctx, "has", Has<kind>, 1);
  Method(ctx, "delete", Delete<kind>, 1);
  duk_push_string(ctx, "constructor");
  duk_dup(ctx, -3);
  duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WRITABLE | DUK_DEFPROP_SET_CONFIGURABLE |
                            DUK_DEFPROP_CLEAR_ENUMERABLE);
  duk_push_string(ctx, "prototype");
  duk_insert(ctx, -2);
  duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_CLEAR_WRITABLE | DUK_DEFPROP_CLEAR_CONFIGURABLE |
                            DUK_DEFPROP_CLEAR_ENUMERABLE | DUK_DEFPROP_FORCE);
  // [global name ctor]
  duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WRITABLE | DUK_DEFPROP_SET_CONFIGURABLE |
                            DUK_DEFPROP_CLEAR_ENUMERABLE);
  duk_pop(ctx);
}

}  // namespace

void InstallWeakCollections(duk_context* ctx) {
  Define<Kind::kMap>(ctx);
  Define<Kind::kSet>(ctx);
  duk_push_heap_stash(ctx);
  duk_push_array(ctx);
  duk_put_prop_string(ctx, -2, kTemplateList);
  duk_push_true(ctx);
  duk_put_prop_string(ctx, -2, kInstalling);
  duk_pop(ctx);
}

void EndWeakCollectionsInstall(duk_context* ctx) {
  duk_push_heap_stash(ctx);
  duk_push_false(ctx);
  duk_put_prop_string(ctx, -2, kInstalling);
  duk_get_prop_string(ctx, -1, kTemplateList);
  for (duk_size_t i = 0, n = duk_get_length(ctx, -1); i < n; ++i) {
    duk_get_prop_index(ctx, -1, static_cast<duk_uarridx_t>(i));
    duk_push_string(ctx, kSpillKeep);
    duk_get_prop_string(ctx, -2, kSpill);
    duk_push_uint(ctx, static_cast<duk_uint_t>(duk_is_array(ctx, -1) ? duk_get_length(ctx, -1) : 0));
    duk_remove(ctx, -2);
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE);
    duk_pop(ctx);
  }
  duk_pop_2(ctx);
}

void ResetTemplateWeakCollections(duk_context* ctx) {
  duk_push_heap_stash(ctx);
  duk_get_prop_string(ctx, -1, kTemplateList);
  for (duk_size_t i = 0, n = duk_get_length(ctx, -1); i < n; ++i) {
    duk_get_prop_index(ctx, -1, static_cast<duk_uarridx_t>(i));
    if (duk_get_prop_string(ctx, -1, kSpill)) {
      duk_get_prop_string(ctx, -2, kSpillKeep);
      const duk_size_t keep = duk_get_uint(ctx, -1);
      duk_pop(ctx);
      if (duk_get_length(ctx, -1) > keep) duk_set_length(ctx, -1, keep);
    }
    duk_pop_2(ctx);
  }
  duk_pop_2(ctx);
}

}  // namespace stockade::worker
