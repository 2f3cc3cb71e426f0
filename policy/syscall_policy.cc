#include "policy/syscall_policy.h"

#include <seccomp.h>

#include <set>
#include <string>

namespace stockade::policy {
namespace {

constexpr ForbiddenSyscall kNeverAllowed[] = {
    // Files: the worker has no filesystem; everything arrives on fd 0.
    {"open", "files: the worker reads only its request pipe"},
    {"openat", "files: the worker reads only its request pipe"},
    {"openat2", "files: the worker reads only its request pipe"},
    {"creat", "files: the worker writes only its response pipe"},
    {"name_to_handle_at", "files: handle-based access bypasses paths"},
    {"open_by_handle_at", "files: handle-based access bypasses paths (shocker escape)"},
    // Network.
    {"socket", "network: no sockets of any family"},
    {"socketpair", "network: no sockets of any family"},
    {"connect", "network: no outbound connections"},
    {"bind", "network: no listening"},
    {"accept", "network: no listening"},
    {"accept4", "network: no listening"},
    {"sendto", "network: no datagrams"},
    {"sendmsg", "network: no datagrams or fd passing"},
    {"recvmsg", "network: no fd passing"},
    // New programs and processes.
    {"execve", "exec: the worker never becomes another program"},
    {"execveat", "exec: the worker never becomes another program"},
    {"fork", "processes: the worker is one process"},
    {"vfork", "processes: the worker is one process"},
    {"clone", "processes: no new processes or threads"},
    {"clone3", "processes: no new processes or threads"},
    // Other processes and the kernel.
    {"ptrace", "debugging: no tracing of anything"},
    {"process_vm_readv", "memory: no access to other processes"},
    {"process_vm_writev", "memory: no access to other processes"},
    {"kill", "signals: the worker signals nobody"},
    {"tkill", "signals: the worker signals nobody"},
    {"tgkill", "signals: the worker signals nobody"},
    {"pidfd_open", "processes: no handles on other processes"},
    {"pidfd_getfd", "processes: no stealing of other processes' fds"},
    {"io_uring_setup", "kernel attack surface: io_uring bypasses seccomp per operation"},
    {"io_uring_enter", "kernel attack surface: io_uring bypasses seccomp per operation"},
    {"bpf", "kernel attack surface: eBPF programs"},
    {"perf_event_open", "kernel attack surface: perf events"},
    {"userfaultfd", "kernel attack surface: race amplification in exploits"},
    {"keyctl", "kernel keyrings"},
    {"add_key", "kernel keyrings"},
    {"request_key", "kernel keyrings"},
    {"mount", "namespaces and mounts"},
    {"umount2", "namespaces and mounts"},
    {"unshare", "namespaces and mounts"},
    {"setns", "namespaces and mounts"},
    {"pivot_root", "namespaces and mounts"},
    {"chroot", "namespaces and mounts"},
    {"init_module", "kernel modules"},
    {"finit_module", "kernel modules"},
    {"delete_module", "kernel modules"},
    {"kexec_load", "kernel replacement"},
    {"kexec_file_load", "kernel replacement"},
    {"reboot", "host power"},
    {"ioctl", "devices: TIOCSTI and friends; the worker drives no device"},
    {"prctl", "process attributes: could undo dumpability or other hardening"},
    {"seccomp", "filters: installing more filters is not needed after start"},
    {"pkey_mprotect", "memory: protection keys could make memory executable"},
};

}  // namespace

std::span<const ForbiddenSyscall> NeverAllowedSyscalls() { return kNeverAllowed; }

bool RequiresNoExecArgument(std::string_view syscall) {
  return syscall == "mmap" || syscall == "mprotect";
}

int ProtectionArgumentIndex(std::string_view syscall) {
  // mmap(addr, length, prot, ...); mprotect(addr, len, prot).
  return RequiresNoExecArgument(syscall) ? 2 : -1;
}

Status ValidateAllowlist(const SeccompPolicy& seccomp) {
  if (seccomp.allow_size() == 0) return Status::Error("the allowlist is empty");
  std::set<std::string> seen;
  for (const SyscallRule& rule : seccomp.allow()) {
    const std::string& name = rule.name();
    if (seccomp_syscall_resolve_name(name.c_str()) == __NR_SCMP_ERROR) {
      return Status::Error("unknown syscall \"" + name + "\"");
    }
    if (rule.reason().empty()) {
      return Status::Error("syscall \"" + name + "\" needs a reason");
    }
    if (!seen.insert(name).second) {
      return Status::Error("syscall \"" + name + "\" is listed twice");
    }
    for (const ForbiddenSyscall& f : kNeverAllowed) {
      if (name == f.name) {
        return Status::Error("syscall \"" + name + "\" may never be allowed (" + f.reason + ")");
      }
    }
  }
  return Status::Ok();
}

}  // namespace stockade::policy
