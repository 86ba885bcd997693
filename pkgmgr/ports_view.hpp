#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "pkg/config.hpp"
#include "pkg/port/resolver.hpp"

namespace pkgmgr {

/// The ports tree of the configuration and a resolver over it, for the
/// commands that read ports.
class PortsView {
public:
    explicit PortsView(const pkg::Config& config);
    const pkg::PortsTree& tree() const { return tree_; }
    const pkg::Resolver& resolver() const { return *resolver_; }

private:
    pkg::PortsTree tree_;
    std::unique_ptr<pkg::Resolver> resolver_;
};

/// `path` relative to the working directory when it lies under it, so that
/// messages stay short (`ports/core/zlib/port.json:3:5: ...`).
std::string display_path(const std::filesystem::path& path);

/// The same, for the file part of a "FILE:LINE:COLUMN: message" text.
std::string shorten_paths(const std::string& text);

}  // namespace pkgmgr
