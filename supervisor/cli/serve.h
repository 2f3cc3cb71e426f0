// `stockade serve`: the daemon. HTTP/JSON API on TCP and/or Unix sockets,
// API keys, Prometheus metrics, structured logs, graceful drain on SIGTERM,
// and PID-1 duty (through a tiny init parent, see init_process.h).
#pragma once

namespace stockade::supervisor {

int ServeCommand(int argc, char** argv);

}  // namespace stockade::supervisor
