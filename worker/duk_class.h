// An object's internal class in Duktape (what Object.prototype.toString's
// tag starts from), which the public API does not give: the worker's copy of
// duktape.c is patched to export stockade_duk_class_number
// (worker/CMakeLists.txt). The numbers are Duktape 2.7's
// DUK_HOBJECT_CLASS_*.
#pragma once

#include "duktape.h"

extern "C" duk_int_t stockade_duk_class_number(duk_context* ctx, duk_idx_t idx);  // -1: not an object
// True when the object has an array part and no named property at all (an
// array's length is not one): its own keys are its indexes.
extern "C" duk_bool_t stockade_duk_dense_only(duk_context* ctx, duk_idx_t idx);
// The string key in slot `slot` of the object's property table, pushed (1);
// 0: an empty slot or a symbol key, nothing pushed; -1: past the last slot;
// -2: not an object, or one with an array part (enumerate it instead).
// Slots are in insertion order, as enumeration is.
extern "C" duk_int_t stockade_duk_push_own_key(duk_context* ctx, duk_idx_t idx, duk_uint32_t slot);

namespace stockade::worker::duk_class {

inline constexpr int kObject = 1;
inline constexpr int kArray = 2;
inline constexpr int kFunction = 3;
inline constexpr int kArguments = 4;
inline constexpr int kBoolean = 5;
inline constexpr int kDate = 6;
inline constexpr int kError = 7;
inline constexpr int kJson = 8;
inline constexpr int kMath = 9;
inline constexpr int kNumber = 10;
inline constexpr int kRegExp = 11;
inline constexpr int kString = 12;
inline constexpr int kGlobal = 13;
inline constexpr int kSymbol = 14;
inline constexpr int kPointer = 17;
inline constexpr int kThread = 18;
inline constexpr int kArrayBuffer = 19;
inline constexpr int kDataView = 20;
inline constexpr int kInt8Array = 21;
inline constexpr int kUint8Array = 22;
inline constexpr int kUint8ClampedArray = 23;
inline constexpr int kInt16Array = 24;
inline constexpr int kUint16Array = 25;
inline constexpr int kInt32Array = 26;
inline constexpr int kUint32Array = 27;
inline constexpr int kFloat32Array = 28;
inline constexpr int kFloat64Array = 29;

}  // namespace stockade::worker::duk_class
