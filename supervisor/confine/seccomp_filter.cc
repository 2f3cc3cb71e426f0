#include "supervisor/confine/seccomp_filter.h"

#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <memory>

#include "policy/syscall_policy.h"
#include "supervisor/common/unique_fd.h"

namespace stockade::supervisor {
namespace {

struct CtxDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using ScmpCtx = std::unique_ptr<void, CtxDeleter>;

Status ScmpError(const std::string& what, int rc) { return ErrnoError("libseccomp: " + what, -rc); }

StatusOr<ScmpCtx> Build(const policy::SeccompPolicy& seccomp, FilterMode mode) {
  const std::uint32_t default_action =
      mode == FilterMode::kUserNotify ? SCMP_ACT_NOTIFY : SCMP_ACT_KILL_PROCESS;
  ScmpCtx ctx(seccomp_init(default_action));
  if (!ctx) return Status::Error("libseccomp: seccomp_init failed");
  // A syscall from another ABI (int 0x80, x32) is never legitimate here.
  int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
  if (rc < 0) return ScmpError("set bad-arch action", rc);
  for (const policy::SyscallRule& rule : seccomp.allow()) {
    const int nr = seccomp_syscall_resolve_name(rule.name().c_str());
    if (nr == __NR_SCMP_ERROR) return Status::Error("unknown syscall " + rule.name());
    if (policy::RequiresNoExecArgument(rule.name())) {
      const unsigned arg = static_cast<unsigned>(policy::ProtectionArgumentIndex(rule.name()));
      rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, nr, 1,
                            SCMP_CMP(arg, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
    } else {
      rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, nr, 0);
    }
    if (rc < 0) return ScmpError("allow " + rule.name(), rc);
  }
  return ctx;
}

StatusOr<std::string> Export(void* ctx, bool pfc) {
  UniqueFd fd(memfd_create("stockade-seccomp", MFD_CLOEXEC));
  if (!fd) return ErrnoError("memfd_create");
  const int rc = pfc ? seccomp_export_pfc(ctx, fd.get()) : seccomp_export_bpf(ctx, fd.get());
  if (rc < 0) return ScmpError("export", rc);
  const off_t size = lseek(fd.get(), 0, SEEK_END);
  if (size < 0) return ErrnoError("lseek");
  std::string out(static_cast<std::size_t>(size), '\0');
  if (pread(fd.get(), out.data(), out.size(), 0) != size) return ErrnoError("pread");
  return out;
}

}  // namespace

StatusOr<std::string> CompileWorkerFilter(const policy::SeccompPolicy& seccomp, FilterMode mode) {
  STOCKADE_ASSIGN_OR_RETURN(ScmpCtx ctx, Build(seccomp, mode));
  return Export(ctx.get(), false);
}

StatusOr<std::string> DescribeWorkerFilter(const policy::SeccompPolicy& seccomp, FilterMode mode) {
  STOCKADE_ASSIGN_OR_RETURN(ScmpCtx ctx, Build(seccomp, mode));
  return Export(ctx.get(), true);
}

}  // namespace stockade::supervisor
