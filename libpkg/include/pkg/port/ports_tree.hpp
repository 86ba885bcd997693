#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "pkg/port/port.hpp"

namespace pkg {

/// The ports of one or more ports directories (overlays): a port is
/// `ROOT/<category>/<name>/port.json`, and the first root that has a name
/// wins. Every manifest is read once, up front.
class PKG_API PortsTree {
public:
    static PortsTree load(const std::vector<std::filesystem::path>& roots);

    /// The winning port named `name`, read with its problems; nullptr if none.
    const PortRead* find(const std::string& name) const;
    /// The winning port named `name`; throws Error when there is none, or
    /// FileError with its first error when its manifest is broken.
    const Port& get(const std::string& name) const;
    /// Every winning port's name, sorted.
    std::vector<std::string> names() const;
    /// Names of well-formed ports that provide `virtual_name`, sorted.
    std::vector<std::string> providers(const std::string& virtual_name) const;
    /// Problems about the tree itself (a name in two categories of one root).
    const std::vector<Problem>& problems() const { return problems_; }
    const std::vector<std::filesystem::path>& roots() const { return roots_; }
    size_t size() const { return ports_.size(); }

private:
    std::vector<std::filesystem::path> roots_;
    std::map<std::string, PortRead> ports_;
    std::map<std::string, std::vector<std::string>> providers_;
    std::vector<Problem> problems_;
};

}  // namespace pkg
