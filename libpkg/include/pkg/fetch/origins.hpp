#pragma once

// Where a source can be had: every artifact it may be fetched as, and every
// place each artifact is tried, in order (pkg.conf(5), ORIGINS).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pkg/digest.hpp"
#include "pkg/export.hpp"
#include "pkg/port/port.hpp"

namespace pkg {

/// One artifact of a source: upstream's file, or one of its alternatives.
/// Each is verified by its own pinned digest and cached under its own name.
struct SourceArtifact {
    int alternative = -1;         ///< -1 upstream's file, else the index in Source::alternatives
    std::string file;             ///< the name it is saved under in the distfile cache
    DigestAlgorithm algorithm = DigestAlgorithm::sha256;
    std::string digest;           ///< pinned, lower-case hexadecimal; empty when the port pins none
    std::optional<std::uint64_t> size;
    std::vector<std::string> urls;        ///< the mirrors' copies, then the port's own URLs, expanded
    std::optional<DebianArtifact> debian;  ///< obtained through apt-get source
};

/// The artifacts of `source` in the order they are tried: upstream's (its
/// URLs after `mirrors`, each mirror serving the saved name at MIRROR/FILE),
/// then each alternative. Templates are expanded with `port`'s values.
PKG_API std::vector<SourceArtifact> source_artifacts(const Port& port, const Source& source,
                                                     const std::vector<std::string>& mirrors);

}  // namespace pkg
