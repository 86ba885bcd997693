#pragma once

#include <nlohmann/json_fwd.hpp>
#include <vector>

#include "context.hpp"
#include "pkg/port/port.hpp"

namespace pkgmgr {

/// Downloads every artifact of `ports`' sources (mirrors, URLs, Debian) and
/// pins each one's digest and size in its port.json, editing only those
/// values. A download that differs from a pinned digest or size refuses the
/// whole edit unless `force`; artifacts that cannot be downloaded are named
/// in a VerificationError after the others are pinned. Returns one object
/// per pinned artifact: port, file, alternative, sha256|sha512, size, changed.
nlohmann::ordered_json pin_sources(Context& context, const std::vector<const pkg::Port*>& ports, bool force);

/// The pins of pin_sources as text lines ("PORT FILE sha256 DIGEST SIZE (pinned)").
void print_pins(std::ostream& out, const nlohmann::ordered_json& pins);

}  // namespace pkgmgr
