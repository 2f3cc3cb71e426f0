// The policy files compiled into the binary. default.textproto is the one
// place defaults live; strict and permissive are merged over it.
#pragma once

#include <string_view>

namespace stockade::policy {

std::string_view DefaultPolicyText();
// "default", "strict" or "permissive"; empty for any other name.
std::string_view PresetText(std::string_view name);

}  // namespace stockade::policy
