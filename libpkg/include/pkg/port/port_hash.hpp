#pragma once

#include <map>
#include <string>

#include "pkg/port/resolver.hpp"

namespace pkg {

/// The port hash of DESIGN.md: sha256 over the port's files (manifest,
/// build script, patches, files: each by relative path, size and content)
/// and the hashes of the ports it needs to build (its host and build
/// dependencies, by name; a name the host provides counts by name alone).
/// A package records the hash of the port it came from; a changed hash
/// makes it outdated. Memoised per instance.
class PKG_API PortHasher {
public:
    explicit PortHasher(const Resolver& resolver) : resolver_(resolver) {}
    const std::string& hash(const Port& port);

private:
    const Resolver& resolver_;
    std::map<std::string, std::string> done_;
};

}  // namespace pkg
