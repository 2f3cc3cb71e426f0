#include "supervisor/confine/spawn_namespaces.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "supervisor/confine/child_stack.h"
#include "supervisor/common/unique_fd.h"

namespace stockade::supervisor {
namespace {

int CloneFlagOf(Namespace ns) {
  switch (ns) {
    case kNsUser: return CLONE_NEWUSER;
    case kNsPid: return CLONE_NEWPID;
    case kNsNet: return CLONE_NEWNET;
    case kNsMount: return CLONE_NEWNS;
    case kNsIpc: return CLONE_NEWIPC;
    case kNsUts: return CLONE_NEWUTS;
    case kNsCgroup: return CLONE_NEWCGROUP;
  }
  return 0;
}

const char* CloneFlagName(Namespace ns) {
  switch (ns) {
    case kNsUser: return "CLONE_NEWUSER";
    case kNsPid: return "CLONE_NEWPID";
    case kNsNet: return "CLONE_NEWNET";
    case kNsMount: return "CLONE_NEWNS";
    case kNsIpc: return "CLONE_NEWIPC";
    case kNsUts: return "CLONE_NEWUTS";
    case kNsCgroup: return "CLONE_NEWCGROUP";
  }
  return "?";
}

std::string CloneReason(unsigned bit, int err) {
  return std::string("clone(") + CloneFlagName(static_cast<Namespace>(bit)) + "): " + std::strerror(err);
}

int ProbeChild(void*) {
  ::syscall(SYS_exit_group, 0);
  __builtin_unreachable();
}

// Tries one clone with `flags` whose child exits at once: 0 or its errno.
int ProbeClone(int flags) {
  ChildStack stack;
  if (!stack) return ENOMEM;
  const pid_t pid = ::clone(ProbeChild, stack.top(), CLONE_VM | CLONE_VFORK | SIGCHLD | flags, nullptr);
  if (pid < 0) return errno;
  siginfo_t info;
  while (::waitid(P_PID, pid, &info, WEXITED) < 0 && errno == EINTR) {
  }
  return 0;
}


Status WriteProcFile(pid_t pid, const char* name, const std::string& text) {
  const std::string path = "/proc/" + std::to_string(pid) + "/" + name;
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return ErrnoError("open " + path);
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    return ErrnoError("write " + path);
  }
  return Status::Ok();
}

}  // namespace

int CloneFlags(unsigned set) {
  int flags = 0;
  for (unsigned bit = 1; bit <= kNsCgroup; bit <<= 1) {
    if ((set & bit) != 0 && (bit & kCloneNamespaces) != 0) flags |= CloneFlagOf(static_cast<Namespace>(bit));
  }
  return flags;
}

bool IsNamespaceRefusal(int err) { return err == EPERM || err == EINVAL || err == ENOSPC || err == EUSERS; }

unsigned FindRefusedNamespaces(unsigned set, int combined_err, std::vector<NamespaceRefusal>* refused) {
  const bool privileged = ::geteuid() == 0;
  unsigned out = 0;
  if ((set & kNsUser) != 0) {
    if (const int err = ProbeClone(CLONE_NEWUSER); err != 0) {
      refused->push_back({kNsUser, CloneReason(kNsUser, err)});
      out |= kNsUser;
    }
  }
  for (unsigned bit = kNsPid; bit <= kNsUts; bit <<= 1) {
    if ((set & bit) == 0) continue;
    const bool with_user = !privileged && (set & kNsUser) != 0 && (out & kNsUser) == 0;
    const int err = ProbeClone(CloneFlagOf(static_cast<Namespace>(bit)) | (with_user ? CLONE_NEWUSER : 0));
    if (err != 0) {
      refused->push_back({static_cast<Namespace>(bit), CloneReason(bit, err)});
      out |= bit;
    }
  }
  if (out == 0) {
    // Each alone is fine but not all together: give up the user namespace
    // first (the rarest and the one most often restricted), then the rest.
    const unsigned give_up = (set & kNsUser) != 0 ? unsigned{kNsUser} : (set & kCloneNamespaces);
    for (unsigned bit = 1; bit <= kNsUts; bit <<= 1) {
      if ((give_up & bit) == 0) continue;
      refused->push_back({static_cast<Namespace>(bit),
                          std::string("refused in combination: clone: ") + std::strerror(combined_err)});
    }
    out = give_up;
  }
  return out;
}

Status WriteIdMaps(pid_t pid, uid_t uid, gid_t gid) {
  if (::geteuid() != 0) STOCKADE_RETURN_IF_ERROR(WriteProcFile(pid, "setgroups", "deny"));
  STOCKADE_RETURN_IF_ERROR(WriteProcFile(pid, "gid_map", std::to_string(gid) + " " + std::to_string(gid) + " 1\n"));
  return WriteProcFile(pid, "uid_map", std::to_string(uid) + " " + std::to_string(uid) + " 1\n");
}

}  // namespace stockade::supervisor
