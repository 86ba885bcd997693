#pragma once

// Unpacking an untrusted source archive into a build directory (port(5),
// unpack): every member is written through the door, below the
// destination and nowhere else, and every rule broken is an error naming
// the archive, the member and the rule.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "pkg/error.hpp"
#include "pkg/export.hpp"
#include "pkg/port/port.hpp"

namespace pkg {

/// Caps on what one archive may unpack to. The defaults admit Linux
/// (83,753 members, 1.3 GiB unpacked) several times over.
struct SourceLimits {
    std::uint64_t max_members = 500000;
    std::uint64_t max_bytes = 8ull << 30;         ///< all members' data, counted as written
    std::uint64_t max_member_bytes = 4ull << 30;  ///< one member's data
    std::size_t max_name = 4096;                  ///< bytes of a member's name or link target
    std::size_t max_depth = 64;                   ///< components of a path once unpacked
};

struct UnpackStats {
    std::uint64_t members = 0, bytes = 0;
};

/// A source archive broke a rule of unpacking: names the archive file, the
/// member (when there is one) and the rule. A corrupt or truncated archive
/// is of kind `verification`; every other rule is `general`.
class PKG_API SourceArchiveError : public Error {
public:
    SourceArchiveError(ErrorKind kind, const std::string& archive, const std::string& member, const std::string& rule);
    const std::string& member() const noexcept { return where().member; }
    /// The rule alone, without the archive and member.
    const std::string& detail() const noexcept { return detail_; }

private:
    std::string detail_;
};

/// Unpacks `archive` into `destination` (an existing directory, normally
/// empty) by `rule`: tar (GNU, pax, ustar, v7) compressed with gzip, bzip2,
/// xz, zstd or lzip, or not at all, or zip. With `rule.mode` none the
/// archive is not unpacked but placed in `destination` under its own name,
/// unchanged. On an error, what was written so far stays for the caller to
/// remove; nothing is ever written outside `destination`.
PKG_API UnpackStats unpack_source(const std::filesystem::path& archive, const std::filesystem::path& destination,
                                  const UnpackRule& rule, const SourceLimits& limits = {});

}  // namespace pkg
