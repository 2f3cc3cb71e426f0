// `stockade policy print|export-bpf`: the effective policy, every seccomp
// rule with its reason, and the compiled filter, for operators and audits.
#pragma once

namespace stockade::supervisor {

int PolicyCommand(int argc, char** argv);

}  // namespace stockade::supervisor
