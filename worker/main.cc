// stockade-worker: exec'd by the supervisor with fd 0 = requests and fd 1 =
// frames back, an empty environment and no arguments. All behaviour lives in
// worker_loop.h; this binary installs no extra bindings.
#include <unistd.h>

#include "worker/worker_loop.h"

int main() { ::_exit(stockade::worker::RunWorker(0, 1, {})); }
