#include "pkg/port/port_hash.hpp"

#include <algorithm>
#include <filesystem>

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

}  // namespace

const std::string& PortHasher::hash(const Port& port) {
    if (auto it = done_.find(port.name); it != done_.end()) return it->second;
    if (in_progress_[port.name]) throw DependencyError("dependency cycle through {} while hashing", port.name);
    in_progress_[port.name] = true;
    struct Done {
        std::map<std::string, bool>& flags;
        const std::string& name;
        ~Done() { flags[name] = false; }
    } done{in_progress_, port.name};

    std::vector<std::string> files;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(port.dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->is_symlink() || it->is_regular_file()) {
            files.push_back(fs::relative(it->path(), port.dir).generic_string());
        }
    }
    if (ec) throw SystemError(ec.value(), "cannot read port directory {}", port.dir.string());
    std::sort(files.begin(), files.end());
    Hasher total(DigestAlgorithm::sha256);
    for (const auto& name : files) {
        fs::path path = port.dir / name;
        std::string content;
        if (fs::is_symlink(path)) {
            content = "symlink:" + fs::read_symlink(path).string();
        } else {
            content = file_digest(path, DigestAlgorithm::sha256);
        }
        total.update(record("file", name, content));
    }
    std::vector<std::pair<std::string, std::string>> deps;
    for (const auto& d : port.depends) {
        if (d.kind != DependencyKind::host && d.kind != DependencyKind::build) continue;
        Resolution r = resolver_.resolve(d, port);
        if (!r.port) {
            deps.emplace_back(d.name, "assume-installed");
        } else {
            deps.emplace_back(r.port->name, hash(*r.port));  // itself: a cycle
        }
    }
    std::sort(deps.begin(), deps.end());
    deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
    for (const auto& [name, h] : deps) total.update(record("dep", name, h));
    return done_[port.name] = total.finish();
}

}  // namespace pkg
