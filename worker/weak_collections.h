// WeakMap and WeakSet, native: Duktape has neither, and core-js's (a
// JavaScript store per key, reached through several calls) cost about 2 µs
// an operation, which every private class field (#x) lowered to ES5 pays on
// each read and write.
//
// A collection keeps each entry on its key, as a hidden-symbol property
// (scripts cannot name hidden symbols) named for the collection: the entry
// dies with the key, which is what makes the collection weak. An entry
// holds its key, so one found through a prototype or a Proxy's target is
// told apart from the key's own; keys that cannot take a property
// (non-extensible, or whose lookup found another key's entry) go to a
// small list on the collection instead.
#pragma once

#include "duktape.h"

namespace stockade::worker {

// Defines the global WeakMap and WeakSet (before the prelude, which then
// keeps them). On the heap's own thread.
void InstallWeakCollections(duk_context* ctx);

}  // namespace stockade::worker
