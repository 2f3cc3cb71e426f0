// The worker's blocking frame loop: the whole life of a worker process.
//
// Wire behaviour (fd in = SupervisorFrames, fd out = WorkerFrames):
//   1. Read the first frame; it must be `init` (EOF first: exit 0; anything
//      else: Fatal, exit 2). Create the heap with Init.heap_limit_bytes,
//      prepare the first fresh environment and run a warm-up script.
//   2. Set no_new_privs and load Init.seccomp_bpf (empty: no filter;
//      load failure: Fatal, exit 3).
//   3. Write Ready{pid, seccomp_loaded, no_new_privs, seccomp_listener_fd,
//      interpreter}.
//   4. Loop: `execute` -> ConsoleBatch* then Result (execution_id echoed),
//      then the next environment is prepared; `ping` -> Pong{nonce,
//      heap_bytes}; `tool_reply` (no tool call pending), a second `init` or
//      an empty frame -> Fatal, exit 2. Clean EOF -> exit 0; a truncated,
//      oversized (> 64 MiB, refused before allocating) or unparseable frame
//      -> Fatal, exit 2. A write failure (supervisor gone) -> exit 1.
// Exit codes are in fatal.h. After step 2 the loop uses only read, write,
// memory syscalls and clock reads; nothing here may use stdio, locale,
// threads or abort().
#pragma once

#include <vector>

#include "worker/environment.h"

namespace stockade::worker {

struct WorkerOptions {
  // Extra globals for every fresh environment. The shipped worker passes
  // none; test workers (tests/testcases) add hostile bindings here.
  std::vector<BindingInstaller> extra_bindings;
};

// Returns the process exit code; fatal paths _exit() from inside.
int RunWorker(int in_fd, int out_fd, WorkerOptions options);

}  // namespace stockade::worker
