#include "pkg/port/ports_tree.hpp"

#include <algorithm>

#include "pkg/error.hpp"

namespace pkg {
namespace fs = std::filesystem;

namespace {

// Sorted subdirectories of `dir` (symlinks to directories count: overlays
// often use them). A directory that cannot be read is a problem of the tree,
// and the rest of the tree stays usable.
std::vector<fs::path> subdirectories(const fs::path& dir, std::vector<Problem>& problems) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.empty() || name[0] == '.') continue;
        std::error_code type_ec;
        if (it->is_directory(type_ec)) out.push_back(it->path());
    }
    if (ec) {
        problems.push_back(Problem{Level::error, dir.string(), 0, 0,
                                   fmt::format("cannot read ports directory {}: {}", dir.string(), ec.message())});
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

PortsTree PortsTree::load(const std::vector<fs::path>& roots) {
    PortsTree tree;
    tree.roots_ = roots;
    for (const fs::path& root : roots) {
        std::error_code ec;
        if (!fs::is_directory(root, ec)) throw Error("ports directory {} does not exist", root.string());
        std::map<std::string, fs::path> in_this_root;
        for (const fs::path& category : subdirectories(root, tree.problems_)) {
            for (const fs::path& dir : subdirectories(category, tree.problems_)) {
                // Any entry named port.json makes a port: read_port says what is wrong with it.
                std::error_code entry_ec;
                if (!fs::exists(fs::symlink_status(dir / "port.json", entry_ec))) continue;
                std::string name = dir.filename().string();
                auto [it, fresh] = in_this_root.emplace(name, dir);
                if (!fresh) {
                    tree.problems_.push_back(Problem{
                        Level::error, (dir / "port.json").string(), 0, 0,
                        fmt::format("port '{}' is also in {}", name, it->second.string())});
                    continue;
                }
                if (tree.ports_.count(name)) continue;  // an earlier overlay has it
                tree.ports_.emplace(name, read_port(dir));
            }
        }
    }
    for (const auto& [name, read] : tree.ports_) {
        if (!read.ok()) continue;
        for (const auto& p : read.port->provides) tree.providers_[p.name].push_back(name);
    }
    return tree;
}

const PortRead* PortsTree::find(const std::string& name) const {
    auto it = ports_.find(name);
    return it == ports_.end() ? nullptr : &it->second;
}

const Port& PortsTree::get(const std::string& name) const {
    const PortRead* read = find(name);
    if (!read) throw with_hint(Error("no port named '{}'", name), "'pkg search' lists ports by name and summary");
    for (const Problem& p : read->problems) {
        if (p.level != Level::error) continue;
        throw with_hint(FileError(p.file, p.line, p.column, "{}", p.message), fmt::format("run 'pkg lint {}'", name));
    }
    return *read->port;
}

std::vector<std::string> PortsTree::names() const {
    std::vector<std::string> out;
    out.reserve(ports_.size());
    for (const auto& [name, read] : ports_) out.push_back(name);
    return out;
}

std::vector<std::string> PortsTree::providers(const std::string& virtual_name) const {
    auto it = providers_.find(virtual_name);
    return it == providers_.end() ? std::vector<std::string>{} : it->second;
}

}  // namespace pkg
