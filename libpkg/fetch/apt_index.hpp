#pragma once

// Reading what apt lists of a source package (`apt-cache showsrc`),
// ordering Debian versions, and choosing the version to take a file from.
// Private to the fetch part.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pkg/fetch/debian_origin.hpp"

namespace pkg {

/// Orders two Debian versions as dpkg does ([epoch:]upstream[-revision],
/// '~' before anything, even the end): negative, zero or positive.
int compare_debian_versions(std::string_view a, std::string_view b);

/// The versions of source package `source` in `showsrc` (the output of
/// `apt-cache showsrc`, stanzas of other source packages ignored: apt also
/// answers for a binary package's name), newest first, each version once
/// (several suites may list it) with its files: sizes and sha256 from
/// Checksums-Sha256, else names and sizes from Files.
std::vector<DebianOrigin::ListedVersion> parse_showsrc(std::string_view showsrc,
                                                       const std::string& source);

/// The listed version to take `artifact.file` from: the pinned version when
/// it carries the file as pinned, else the newest that does (`listed` is
/// newest first). A version carries it when its file list has the name
/// with the pinned size (if any) and, for a sha256 pin, the pinned sha256;
/// the index has no sha512, so a sha512 pin is the caller's to check.
/// nullptr when none does, with the reason in `why_not`.
const DebianOrigin::ListedVersion* choose_listed_version(
    const std::vector<DebianOrigin::ListedVersion>& listed, const DebianArtifact& artifact,
    DigestAlgorithm algorithm, const std::string& digest, std::optional<std::uint64_t> size,
    std::string& why_not);

}  // namespace pkg
