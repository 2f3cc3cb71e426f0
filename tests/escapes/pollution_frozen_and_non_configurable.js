// expect: OK
// why: freeze the prototypes (already frozen: a no-op), make the global
//   object non-extensible and pin non-configurable globals, so the next run
//   cannot define what it needs: its global is a new object
// expect-value: "frozen"
// then: var x = 2; globalThis.fresh = 3; Object.prototype.mine = 4; Array.prototype.also = 5; [x, fresh, ({}).mine, [].also, Object.isFrozen(Object.prototype)]
// then-expect-value: [2,3,null,null,true]
Object.defineProperty(globalThis, 'x', { value: 'pinned', writable: false, configurable: false });
Object.defineProperty(globalThis, 'fresh', { get: function () { return 'pinned'; }, configurable: false });
Object.freeze(Object.prototype);
Object.freeze(Array.prototype);
Object.freeze(Function.prototype);
Object.preventExtensions(globalThis);
'frozen';
