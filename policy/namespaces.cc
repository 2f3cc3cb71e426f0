#include "policy/namespaces.h"

#include <array>

namespace stockade::policy {
namespace {

struct Entry {
  Namespace ns;
  std::string_view name;
};

// Report order: the layers roughly by how much they take away.
constexpr std::array<Entry, 7> kEntries = {{
    {kNsUser, "user"},
    {kNsPid, "pid"},
    {kNsNet, "net"},
    {kNsMount, "mount"},
    {kNsIpc, "ipc"},
    {kNsUts, "uts"},
    {kNsCgroup, "cgroup"},
}};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view NamespaceName(Namespace ns) {
  for (const Entry& e : kEntries) {
    if (e.ns == ns) return e.name;
  }
  return "unknown";
}

std::string NamespaceList(unsigned set) {
  std::string out;
  for (const Entry& e : kEntries) {
    if ((set & e.ns) == 0) continue;
    if (!out.empty()) out += ',';
    out += e.name;
  }
  return out.empty() ? "none" : out;
}

StatusOr<unsigned> ParseNamespaceList(std::string_view text) {
  text = Trim(text);
  if (text == "all") return kAllNamespaces;
  if (text == "none" || text.empty()) return 0u;
  unsigned set = 0;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    const std::string_view word = Trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    bool found = false;
    for (const Entry& e : kEntries) {
      if (e.name == word) {
        set |= e.ns;
        found = true;
      }
    }
    if (!found) {
      return Status::Error("unknown namespace \"" + std::string(word) +
                           "\" (known: user, pid, net, mount, ipc, uts, cgroup, all, none)");
    }
  }
  return set;
}

}  // namespace stockade::policy
