// With the hostile test worker (see forbidden_syscall.js): the worker
// segfaults mid-run. Ends with WORKER_CRASHED (exit code 8), signal 11.
console.log("about to crash");
hostile.crash();
