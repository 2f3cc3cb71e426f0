// The event loop of a run: microtasks, immediates and timers.
//
// Runs first in the prelude, so core-js's Promise finds queueMicrotask (its
// jobs go to our queue, which the host empties after the script body) and
// its unhandled-rejection check finds setImmediate. Everything lives in this
// closure, out of the scripts' reach; the host resets it before each run,
// so nothing one run queued can fire in the next.
//
// Timers are virtual: when only timers are left, the loop jumps to the
// earliest one instead of sleeping, and host.wait(ms) charges the jump to
// the run's timeout (false: the wait would pass the deadline, and the run
// ends in TIMEOUT). A script that waits never burns CPU, and a run that
// waits 10 s on a 5 s timeout ends at once.
//
// host (in):  wait(ms) -> boolean
// host (out): loop = { reset(), settle(value) }
(function (global, host) {
  'use strict';
  var defineProperty = Object.defineProperty;
  var slice = Array.prototype.slice;
  var MAX_TIMERS = 10000;  // pending timers and immediates of one run

  // timers: pending timers by id (for clearTimeout); queue: the same, a
  // binary heap by (due, seq) from which cleared ones are dropped as they
  // reach the top (or all at once, when they outnumber the live ones), so
  // firing or clearing one of n timers costs log n, not n.
  var micro, microAt, immediates, immediateIds, immediateCount, timers, queue, timerCount, cleared;
  var nextId, seq, now, rejections;
  function reset() {
    micro = [];
    microAt = 0;
    immediates = [];
    immediateIds = {};
    immediateCount = 0;
    timers = {};
    queue = [];
    timerCount = 0;
    cleared = 0;
    nextId = 1;
    seq = 0;
    now = 0;
    rejections = [];
  }
  reset();

  function callable(fn, what) {
    if (typeof fn !== 'function') throw new TypeError(what + ': the callback must be a function');
  }
  function delayOf(ms) {
    ms = Number(ms);
    return ms >= 1 && ms <= 2147483647 ? Math.floor(ms) : 1;
  }
  function checkCap() {
    if (timerCount + immediateCount >= MAX_TIMERS) {
      throw new RangeError('too many pending timers (at most ' + MAX_TIMERS + ')');
    }
  }

  function before(a, b) { return a.due < b.due || (a.due === b.due && a.seq < b.seq); }
  function push(t) {
    var i = queue.length;
    queue.push(t);
    while (i > 0) {
      var parent = (i - 1) >> 1;
      if (!before(queue[i], queue[parent])) break;
      var x = queue[i]; queue[i] = queue[parent]; queue[parent] = x;
      i = parent;
    }
  }
  function pop() {
    var top = queue[0];
    var last = queue.pop();
    if (queue.length > 0) {
      queue[0] = last;
      var i = 0;
      for (;;) {
        var l = 2 * i + 1, r = l + 1, m = i;
        if (l < queue.length && before(queue[l], queue[m])) m = l;
        if (r < queue.length && before(queue[r], queue[m])) m = r;
        if (m === i) break;
        var x = queue[i]; queue[i] = queue[m]; queue[m] = x;
        i = m;
      }
    }
    return top;
  }
  // The earliest live timer, left in the queue; or null.
  function earliest() {
    while (queue.length > 0 && queue[0].cleared) {
      pop();
      cleared--;
    }
    return queue.length > 0 ? queue[0] : null;
  }

  function addTimer(fn, ms, args, repeat) {
    checkCap();
    var delay = delayOf(ms);
    var id = nextId++;
    var t = { id: id, fn: fn, args: args, due: now + delay, seq: seq++, interval: repeat ? delay : 0, cleared: false };
    timers[id] = t;
    timerCount++;
    push(t);
    return id;
  }
  function clearTimer(id) {
    if (typeof id !== 'number' || !timers.hasOwnProperty(id)) return;
    timers[id].cleared = true;
    delete timers[id];
    timerCount--;
    if (++cleared > timerCount + 1024) {
      var live = [];
      for (var i = 0; i < queue.length; i++) if (!queue[i].cleared) live.push(queue[i]);
      queue = [];
      cleared = 0;
      for (i = 0; i < live.length; i++) push(live[i]);
    }
  }

  function queueMicrotask(fn) {
    callable(fn, 'queueMicrotask');
    micro.push(fn);
  }
  function setTimeout(fn, ms) {
    callable(fn, 'setTimeout');
    return addTimer(fn, ms, slice.call(arguments, 2), false);
  }
  function setInterval(fn, ms) {
    callable(fn, 'setInterval');
    return addTimer(fn, ms, slice.call(arguments, 2), true);
  }
  function setImmediate(fn) {
    callable(fn, 'setImmediate');
    checkCap();
    var entry = { id: nextId++, fn: fn, args: slice.call(arguments, 1) };
    immediates.push(entry);
    immediateIds[entry.id] = entry;
    immediateCount++;
    return entry.id;
  }
  function clearImmediate(id) {
    if (typeof id !== 'number' || !immediateIds.hasOwnProperty(id)) return;
    immediateIds[id].fn = null;
    delete immediateIds[id];
    immediateCount--;
  }

  // A job that queues another keeps the queue from ever being empty: what
  // has run is dropped every so often, or the array would grow by a slot a
  // job until the heap limit ended the run instead of its timeout.
  function runMicrotasks() {
    while (microAt < micro.length) {
      var fn = micro[microAt];
      micro[microAt++] = undefined;
      if (microAt >= 4096 && microAt * 2 >= micro.length) {
        micro = micro.slice(microAt);
        microAt = 0;
      }
      fn();
    }
    micro = [];
    microAt = 0;
  }

  // Runs everything queued until nothing is left. A callback that throws
  // ends the run (as an uncaught exception ends a Node process).
  function drain() {
    runMicrotasks();
    for (;;) {
      if (immediates.length > 0) {
        var batch = immediates;
        immediates = [];
        for (var i = 0; i < batch.length; i++) {
          if (batch[i].fn === null) continue;
          delete immediateIds[batch[i].id];
          immediateCount--;
          batch[i].fn.apply(undefined, batch[i].args);
          runMicrotasks();
        }
        continue;
      }
      var t = earliest();
      if (t === null) return;
      if (t.due > now) {
        if (!host.wait(t.due - now)) return;
        now = t.due;
      }
      pop();
      if (t.interval) {
        t.due = now + t.interval;
        t.seq = seq++;
        push(t);
      } else {
        delete timers[t.id];
        timerCount--;
      }
      t.fn.apply(undefined, t.args);
      runMicrotasks();
    }
  }

  // Runs the loop; the completion value, awaited if it is a promise (or
  // any thenable): { state: 'value' | 'error' | 'pending', value,
  // unhandled: reasons of promises rejected with no handler, in order }.
  function settle(value) {
    var out = { state: 'value', value: value };
    if (value !== null && (typeof value === 'object' || typeof value === 'function') &&
        typeof value.then === 'function') {
      out.state = 'pending';
      global.Promise.resolve(value).then(function (v) {
        out.state = 'value';
        out.value = v;
      }, function (e) {
        out.state = 'error';
        out.value = e;
      });
    }
    drain();
    out.unhandled = rejections;
    return out;
  }

  function define(name, fn) {
    defineProperty(global, name, { value: fn, writable: true, enumerable: false, configurable: true });
  }
  define('queueMicrotask', queueMicrotask);
  define('setTimeout', setTimeout);
  define('clearTimeout', clearTimer);
  define('setInterval', setInterval);
  define('clearInterval', clearTimer);
  define('setImmediate', setImmediate);
  define('clearImmediate', clearImmediate);
  // core-js reports a promise rejected with no handler by calling this
  // (from a setImmediate task, once the microtasks ran); lockdown keeps it
  // out of the scripts' globals.
  define('onunhandledrejection', function (event) {
    rejections.push(event && event.reason);
  });

  host.loop = { reset: reset, settle: settle };
})(globalThis, host);
