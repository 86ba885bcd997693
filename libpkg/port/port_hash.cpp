#include "pkg/port/port_hash.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include "pkg/digest.hpp"
#include "pkg/error.hpp"

namespace pkg {
namespace fs = std::filesystem;

namespace {

// One record of the hashed stream: fields separated by NUL, which no path
// or digest holds, ended by a newline.
std::string record(std::string_view kind, std::string_view name, std::string_view value) {
    std::string out;
    out.reserve(kind.size() + name.size() + value.size() + 3);
    out.append(kind).push_back('\0');
    out.append(name).push_back('\0');
    out.append(value).push_back('\n');
    return out;
}

// Whether a file of the port directory counts: hidden files (a leading dot
// in any component) and editor or patch leftovers (`name~`, `#name#`,
// `.orig`, `.rej`, `.swp`) do not (port(5), "The port hash").
bool hashed_name(const fs::path& relative) {
    for (const auto& component : relative) {
        std::string c = component.string();
        if (c.empty() || c.front() == '.') return false;
    }
    std::string name = relative.filename().string();
    if (name.back() == '~') return false;
    if (name.size() >= 2 && name.front() == '#' && name.back() == '#') return false;
    for (const char* suffix : {".orig", ".rej", ".swp"}) {
        std::string_view s(suffix);
        if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) return false;
    }
    return true;
}

// The records of a port's own files, sorted by path: a regular file by its
// executable bit, size and sha256; a symbolic link by its target text, never
// followed; directories only through what they hold. Anything else (a FIFO, a
// device, a socket) is refused.
std::string files_digest(const fs::path& dir) {
    struct Entry {
        std::string name;
        std::string value;
    };
    std::vector<Entry> entries;
    std::error_code ec;
    fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
        fs::path relative = it->path().lexically_relative(dir);
        if (!hashed_name(relative)) {
            it.disable_recursion_pending();
            continue;
        }
        fs::file_status st = it->symlink_status(ec);
        if (ec) break;
        std::string name = relative.generic_string();
        if (fs::is_symlink(st)) {
            fs::path target = fs::read_symlink(it->path(), ec);
            if (ec) break;
            entries.push_back({name, "symlink " + target.string()});
        } else if (fs::is_regular_file(st)) {
            bool exec = (st.permissions() & fs::perms::owner_exec) != fs::perms::none;
            auto size = it->file_size(ec);
            if (ec) break;
            // file_digest refuses anything that stopped being a regular file.
            entries.push_back({name, fmt::format("file {} {} {}", exec ? "755" : "644", size,
                                                 file_digest(it->path(), DigestAlgorithm::sha256))});
        } else if (!fs::is_directory(st)) {
            throw Error("cannot hash port {}: {} is neither a file, a directory nor a symbolic link",
                        dir.string(), it->path().string());
        }
    }
    if (ec) {
        std::filesystem::path at = it == end ? dir : it->path();
        throw SystemError(ec.value(), at, "cannot read port directory {}", at.string());
    }
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.name < b.name; });
    std::string out;
    for (const auto& e : entries) out += record("file", e.name, e.value);
    return out;
}

}  // namespace

// Iterative, so that a chain of any depth hashes without deep recursion: a
// port is hashed once each of its host and build dependencies is.
const std::string& PortHasher::hash(const Port& target) {
    if (auto it = done_.find(target.name); it != done_.end()) return it->second;
    struct Frame {
        const Port* port;
        std::vector<std::pair<std::string, const Port*>> deps;  // null: the host provides it
        std::size_t next = 0;
    };
    auto frame = [&](const Port& port) {
        Frame f{&port, {}};
        for (const Dependency* d : port.counted_depends()) {
            if (d->kind != DependencyKind::host && d->kind != DependencyKind::build) continue;
            Resolution r = resolver_.resolve(*d, port);
            f.deps.emplace_back(r.port ? r.port->name : d->name, r.port);
        }
        return f;
    };
    std::vector<Frame> stack;
    std::set<std::string> in_progress;
    stack.push_back(frame(target));
    in_progress.insert(target.name);
    while (!stack.empty()) {
        Frame& top = stack.back();
        if (top.next < top.deps.size()) {
            const Port* dep = top.deps[top.next++].second;
            if (!dep || done_.count(dep->name)) continue;
            if (in_progress.count(dep->name)) {
                throw DependencyError("dependency cycle through {} while hashing", dep->name);
            }
            in_progress.insert(dep->name);
            stack.push_back(frame(*dep));  // invalidates `top`
            continue;
        }
        std::vector<std::pair<std::string, std::string>> deps;
        for (const auto& [name, port] : top.deps) {
            deps.emplace_back(name, port ? done_.at(port->name) : "assume-installed");
        }
        std::sort(deps.begin(), deps.end());
        deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
        Hasher total(DigestAlgorithm::sha256);
        total.update(files_digest(top.port->dir));
        for (const auto& [name, h] : deps) total.update(record("dep", name, h));
        done_[top.port->name] = total.finish();
        in_progress.erase(top.port->name);
        stack.pop_back();
    }
    return done_.at(target.name);
}

}  // namespace pkg
