#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "pkg/port/ports_tree.hpp"

namespace pkg {

/// How names the ports do not define are met.
struct ResolveOptions {
    std::set<std::string> assume_installed;           ///< provided by the host
    std::map<std::string, std::string> providers;     ///< virtual name -> chosen port
};

/// What a dependency resolved to: nothing (the host provides it) or a port.
struct Resolution {
    const Port* port = nullptr;  ///< nullptr: assume-installed
    std::string via;             ///< "assume-installed", "port" or "provider"
};

/// Resolves dependencies over a ports tree and orders ports for building.
/// A dependency is met first by assume-installed, then by a port of that
/// name, then by a port that provides it.
class PKG_API Resolver {
public:
    Resolver(const PortsTree& tree, ResolveOptions options);

    /// Resolves `dependency` of `from`; throws DependencyError when nothing
    /// meets it or its constraint (naming both sides), or when several ports
    /// provide it and pkg.conf chose none.
    Resolution resolve(const Dependency& dependency, const Port& from) const;

    /// The ports `port` needs to be built: its host and build dependencies
    /// and their run dependencies, transitively, sorted by name.
    std::vector<const Port*> build_closure(const Port& port) const;
    /// The ports installing `port` brings in: its run dependencies, transitively.
    std::vector<const Port*> run_closure(const Port& port) const;

    /// Every port of `targets` and everything they need, in an order where each
    /// port comes after the ports it needs to build and to run. Deterministic:
    /// targets in the order given, dependencies in file order. A cycle throws
    /// DependencyError naming it: "a -> b -> c -> a".
    std::vector<const Port*> build_order(const std::vector<const Port*>& targets) const;

    /// Ports whose dependencies (any kind) resolve to `name`, sorted.
    std::vector<const Port*> reverse_dependencies(const std::string& name) const;

    const PortsTree& tree() const { return tree_; }
    const ResolveOptions& options() const { return options_; }

private:
    std::vector<const Port*> closure(std::vector<const Port*> start) const;
    const PortsTree& tree_;
    ResolveOptions options_;
};

}  // namespace pkg
