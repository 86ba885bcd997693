#include "source_tree.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <deque>

#include "source_names.hpp"

namespace pkg::source {

namespace {

// The kernel follows at most 40 symlinks in one lookup (ELOOP after).
constexpr int kMaxFollowed = 40;
// A lookup of 40 targets of 4 KiB each has ~80,000 components; no source
// comes near, and a hostile one must not make the check itself slow.
constexpr std::size_t kMaxSteps = 1 << 17;

void push_front_components(std::deque<std::string>& todo, std::string_view target) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= target.size()) {
        std::size_t slash = target.find('/', start);
        if (slash == std::string_view::npos) slash = target.size();
        if (slash > start) parts.emplace_back(target.substr(start, slash - start));
        start = slash + 1;
    }
    todo.insert(todo.begin(), parts.begin(), parts.end());
}

}  // namespace

char SourceTree::type(const std::string& path) const {
    auto it = nodes_.find(path);
    return it == nodes_.end() ? '\0' : it->second.type;
}

std::vector<std::string> SourceTree::missing_parents(const std::string& path, unsigned mode) {
    std::vector<std::string> out;
    for (std::string_view p = parent_of(path); !p.empty(); p = parent_of(p)) {
        if (nodes_.count(std::string(p))) break;
        out.emplace_back(p);
    }
    std::reverse(out.begin(), out.end());
    for (const auto& p : out)
        nodes_[p] = Node{'d', mode, {}, {}};
    return out;
}

std::vector<Directory> SourceTree::directories_deepest_first() const {
    std::vector<Directory> out;
    for (const auto& [path, node] : nodes_) {
        if (node.type == 'd') out.push_back({path, node.mode, node.mtime});
    }
    auto depth = [](const std::string& p) { return std::count(p.begin(), p.end(), '/'); };
    std::sort(out.begin(), out.end(), [&](const Directory& a, const Directory& b) {
        auto da = depth(a.path), db = depth(b.path);
        return da != db ? da > db : a.path < b.path;
    });
    return out;
}

// Resolves the target as the kernel will once the build runs: component by
// component from the link's directory, a ".." climbing one level, and a
// symlink of the archive met on the way replaced by its own target. Paths
// the archive did not unpack are taken as directories (what the build may
// make of them is the sandbox's business, not the archive's).
std::optional<std::string> SourceTree::escape(const std::string& link) const {
    auto self = nodes_.find(link);
    if (self == nodes_.end() || self->second.type != 'l') return std::nullopt;
    const std::string& target = self->second.target;
    auto leaves = [&](const std::string& through) {
        return through.empty() ? fmt::format("symlink target '{}' leaves the tree", target)
                               : fmt::format("symlink target '{}' leaves the tree through the archive's symlink '{}'",
                                             target, through);
    };
    if (target.empty() || target.front() == '/') return leaves("");

    std::string path(parent_of(link));
    std::vector<std::size_t> starts;  // where each component of `path` begins
    if (!path.empty()) starts.push_back(0);
    for (std::size_t i = 0; i < path.size(); ++i) {
        if (path[i] == '/') starts.push_back(i + 1);
    }
    auto pop = [&] {
        path.resize(starts.back() == 0 ? 0 : starts.back() - 1);
        starts.pop_back();
    };
    std::deque<std::string> todo;
    push_front_components(todo, target);
    std::string first_followed;
    int followed = 0;
    for (std::size_t steps = 0; !todo.empty(); ++steps) {
        if (steps > kMaxSteps)
            return fmt::format("symlink target '{}' is too tangled in symlinks to be checked", target);
        std::string part = std::move(todo.front());
        todo.pop_front();
        if (part == ".") continue;
        if (part == "..") {
            if (starts.empty()) return leaves(first_followed);
            pop();
            continue;
        }
        starts.push_back(path.empty() ? 0 : path.size() + 1);
        if (!path.empty()) path += '/';
        path += part;
        auto node = nodes_.find(path);
        if (node == nodes_.end() || node->second.type != 'l') continue;
        // A loop fails for the kernel too (ELOOP): it leads nowhere, not out.
        if (++followed > kMaxFollowed) return std::nullopt;
        if (first_followed.empty()) first_followed = path;
        pop();
        const std::string& next = node->second.target;
        if (next.empty() || next.front() == '/') return leaves(first_followed);
        push_front_components(todo, next);
    }
    return std::nullopt;
}

}  // namespace pkg::source
