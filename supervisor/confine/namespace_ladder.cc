#include "supervisor/confine/namespace_ladder.h"

#include "supervisor/common/log.h"

namespace stockade::supervisor {

NamespaceLadder::NamespaceLadder(unsigned wanted, unsigned required)
    : wanted_(wanted), required_(required), next_(wanted) {}

unsigned NamespaceLadder::next() const {
  std::lock_guard lock(mu_);
  return next_;
}

Status NamespaceLadder::Record(const SpawnReport& report) {
  std::lock_guard lock(mu_);
  started_ = true;
  in_force_ = report.namespaces;
  for (const NamespaceRefusal& r : report.refused) {
    if ((next_ & r.ns) == 0) continue;  // already known
    next_ &= ~unsigned{r.ns};
    reasons_[__builtin_ctz(r.ns)] = r.reason;
    // Once per namespace and supervisor: later workers do not ask again.
    Log(LogLevel::kWarn, "namespace_refused", {{"namespace", policy::NamespaceName(r.ns)}, {"reason", r.reason}});
    if (!refusals_.empty()) refusals_ += "; ";
    refusals_ += std::string(policy::NamespaceName(r.ns)) + ": " + r.reason;
  }
  const unsigned missing = required_ & ~report.namespaces;
  if (missing == 0) return Status::Ok();
  std::string why;
  for (unsigned bit = 1; bit <= policy::kNsCgroup; bit <<= 1) {
    if ((missing & bit) == 0 || reasons_[__builtin_ctz(bit)].empty()) continue;
    if (!why.empty()) why += "; ";
    why += std::string(policy::NamespaceName(static_cast<policy::Namespace>(bit))) + ": " +
           reasons_[__builtin_ctz(bit)];
  }
  return Status::Error("namespaces.require: " + policy::NamespaceList(missing) + " not available on this host" +
                       (why.empty() ? std::string() : " (" + why + ")"));
}

std::string NamespaceLadder::in_force() const {
  std::lock_guard lock(mu_);
  return started_ ? policy::NamespaceList(in_force_) : "pending";
}

std::string NamespaceLadder::refusals() const {
  std::lock_guard lock(mu_);
  return refusals_;
}

}  // namespace stockade::supervisor
