// Loading the one configuration: policy text -> validated Policy message.
//
// The built-in default.textproto is parsed first and the chosen preset or
// file is merged over it, so a file only states what it changes. Scalars in
// policy.proto have presence, so "set to zero/false" survives the merge; a
// file that lists any seccomp.allow entry replaces the whole allowlist, and
// likewise redaction.keys and redaction.patterns.
// Errors name the file, line, column and field so an operator can fix them.
#pragma once

#include <string>
#include <string_view>

#include "proto/policy.pb.h"
#include "proto/status.h"

namespace stockade::policy {

// spec: "" or "default", a preset name ("strict", "permissive"), or a path
// to a text-format Policy file.
StatusOr<Policy> LoadPolicy(std::string_view spec);

// What a policy text means: parsed (errors name `source`), merged over the
// built-in default and validated (errors prefixed with `name`). LoadPolicy
// is this plus finding the text.
StatusOr<Policy> PolicyFromText(std::string_view text, std::string_view source,
                                std::string_view name);

// Parses text as a Policy without defaults or validation. source names the
// text in errors ("policy/strict.textproto").
StatusOr<Policy> ParsePolicyText(std::string_view text, std::string_view source);

// defaults + over, with the allowlist replaced when `over` has one.
Policy MergeOver(const Policy& defaults, const Policy& over);

// Cross-field checks: ceilings at least the defaults, non-zero sizes, the
// syscall allowlist resolvable and free of never-allowed calls.
Status ValidatePolicy(const Policy& policy);

// The policy as text-format, for --print-config and `policy print`.
std::string PolicyToText(const Policy& policy);

}  // namespace stockade::policy
