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

  var micro, microAt, immediates, timers, timerCount, nextId, seq, now, rejections;
  function reset() {
    micro = [];
    microAt = 0;
    immediates = [];
    timers = {};
    timerCount = 0;
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
  function addTimer(fn, ms, args, repeat) {
    if (timerCount + immediates.length >= MAX_TIMERS) {
      throw new RangeError('too many pending timers (at most ' + MAX_TIMERS + ')');
    }
    var delay = delayOf(ms);
    var id = nextId++;
    timers[id] = { id: id, fn: fn, args: args, due: now + delay, seq: seq++, interval: repeat ? delay : 0 };
    timerCount++;
    return id;
  }
  function clearTimer(id) {
    if (typeof id === 'number' && timers.hasOwnProperty(id)) {
      delete timers[id];
      timerCount--;
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
    if (timerCount + immediates.length >= MAX_TIMERS) {
      throw new RangeError('too many pending timers (at most ' + MAX_TIMERS + ')');
    }
    var entry = { id: nextId++, fn: fn, args: slice.call(arguments, 1) };
    immediates.push(entry);
    return entry.id;
  }
  function clearImmediate(id) {
    for (var i = 0; i < immediates.length; i++) {
      if (immediates[i].id === id) immediates[i].fn = null;
    }
  }

  function runMicrotasks() {
    while (microAt < micro.length) {
      var fn = micro[microAt];
      micro[microAt++] = undefined;
      fn();
    }
    micro = [];
    microAt = 0;
  }
  function earliest() {
    var best = null;
    for (var k in timers) {
      var t = timers[k];
      if (best === null || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
    }
    return best;
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
      if (t.interval) {
        t.due = now + t.interval;
        t.seq = seq++;
      } else {
        clearTimer(t.id);
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
