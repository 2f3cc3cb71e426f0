#include "worker/seccomp_loader.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>

namespace stockade::worker {

StatusOr<SeccompState> LoadSeccompFilter(std::string_view bpf, bool with_listener) {
  SeccompState state;
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return ErrnoError("prctl(PR_SET_NO_NEW_PRIVS)");
  }
  state.no_new_privs = ::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1;
  if (bpf.empty()) return state;

  if (bpf.size() % sizeof(sock_filter) != 0) {
    return Status::Error("seccomp program is " + std::to_string(bpf.size()) +
                         " bytes, not a multiple of " + std::to_string(sizeof(sock_filter)) +
                         " (struct sock_filter); the supervisor sent a corrupt Init");
  }
  const std::size_t count = bpf.size() / sizeof(sock_filter);
  if (count > BPF_MAXINSNS) {
    return Status::Error("seccomp program has " + std::to_string(count) +
                         " instructions; the kernel accepts at most " +
                         std::to_string(BPF_MAXINSNS));
  }
  // Copy into properly aligned storage: the protobuf bytes carry no
  // alignment guarantee.
  std::unique_ptr<sock_filter[]> insns(new sock_filter[count]);
  std::memcpy(insns.get(), bpf.data(), bpf.size());
  sock_fprog prog{};
  prog.len = static_cast<unsigned short>(count);
  prog.filter = insns.get();

  const unsigned long flags = with_listener ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;
  const long rc = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
  if (rc < 0) {
    return ErrnoError(with_listener ? "seccomp(SECCOMP_SET_MODE_FILTER, NEW_LISTENER)"
                                    : "seccomp(SECCOMP_SET_MODE_FILTER)");
  }
  state.loaded = true;
  state.listener_fd = with_listener ? static_cast<int>(rc) : -1;
  return state;
}

}  // namespace stockade::worker
