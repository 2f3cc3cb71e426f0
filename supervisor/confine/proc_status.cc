#include "supervisor/confine/proc_status.h"

#include <fcntl.h>
#include <unistd.h>

#include "supervisor/common/unique_fd.h"

namespace stockade::supervisor {

StatusOr<std::string> ProcStatusField(pid_t pid, std::string_view key) {
  const std::string path = "/proc/" + std::to_string(pid) + "/status";
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return ErrnoError("open " + path);
  std::string text(8192, '\0');
  std::size_t used = 0;
  for (;;) {
    const ssize_t n = ::read(fd.get(), text.data() + used, text.size() - used);
    if (n < 0) return ErrnoError("read " + path);
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
    if (used == text.size()) text.resize(text.size() * 2);
  }
  text.resize(used);
  const std::string needle = "\n" + std::string(key) + ":";
  std::size_t at = text.compare(0, needle.size() - 1, needle, 1) == 0 ? 0 : text.find(needle);
  if (at == std::string::npos) return Status::Error(path + ": no field " + std::string(key));
  at += at == 0 ? needle.size() - 1 : needle.size();
  const std::size_t end = text.find('\n', at);
  std::string value = text.substr(at, end == std::string::npos ? std::string::npos : end - at);
  const std::size_t first = value.find_first_not_of(" \t");
  return first == std::string::npos ? std::string() : value.substr(first);
}

Status CheckSeccompInForce(pid_t pid) {
  STOCKADE_ASSIGN_OR_RETURN(std::string mode, ProcStatusField(pid, "Seccomp"));
  if (mode != "2") return Status::Error("the kernel reports seccomp mode " + mode + ", not 2 (filter)");
  STOCKADE_ASSIGN_OR_RETURN(std::string nnp, ProcStatusField(pid, "NoNewPrivs"));
  if (nnp != "1") return Status::Error("the kernel reports NoNewPrivs " + nnp);
  return Status::Ok();
}

}  // namespace stockade::supervisor
