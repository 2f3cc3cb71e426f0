// Needs the hostile test worker, which adds a `hostile` global that makes raw
// syscalls (it is built from tests/testcases and never shipped):
//   build/bin/stockade run --worker build/bin/stockade-worker-hostile examples/hostile/forbidden_syscall.js
// Ends with POLICY_VIOLATION (exit code 7) naming the syscall: "socket".
hostile.syscall("socket");
