// WeakMap and WeakSet, native: Duktape has neither, and core-js's (a
// JavaScript store per key, reached through several calls) cost about 2 µs
// an operation, which every private class field (#x) lowered to ES5 pays on
// each read and write.
//
// A collection keeps each entry on its key, as a hidden-symbol property
// (scripts cannot name hidden symbols) named for the collection: the entry
// dies with the key, which is what makes the collection weak. An entry
// names its key by address (no reference: no cycle), so one found through a
// prototype or a Proxy's target is told apart from the key's own; keys
// that cannot take a property (non-extensible, or a Proxy showing its
// target's entry) go to a small list on the collection instead. Known
// limit: a value stays on its key as long as the key lives, even after
// its collection is gone (as with core-js's polyfill).
#pragma once

#include "duktape.h"

namespace stockade::worker {

// Defines the global WeakMap and WeakSet (before the prelude, which then
// keeps them). On the heap's own thread.
void InstallWeakCollections(duk_context* ctx);
// After the standard library is installed: the collections made until
// then are the template's (core-js keeps per-object state in one, for
// every run).
void EndWeakCollectionsInstall(duk_context* ctx);
// Before each run: what runs put in the template's collections' lists
// (keys that could not take an entry) goes, so no run pays for, or keeps
// alive, what an earlier one left there.
void ResetTemplateWeakCollections(duk_context* ctx);

}  // namespace stockade::worker
