// `stockade selftest [--policy P] [--json]`: report which confinement layers
// are in force on this host; exit 0 only if every available check passes.
#pragma once

namespace stockade::supervisor {

int SelftestCommand(int argc, char** argv);

}  // namespace stockade::supervisor
