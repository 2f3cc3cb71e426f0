// Prepended to TypeScript's typescript.js by the build. The bundle is
// strict code, and it writes legacy members (TypeScript.Services) onto
// `globalThis` when it finds no `process`: here the global object is the
// frozen template, so the bundle gets an object of its own under that name,
// which inherits from the real one (host) so that its lookups (Map, Set,
// Symbol) still find the standard library.
"use strict";
var globalThis = Object.create(host);
