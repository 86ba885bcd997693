// pkg clean: the caches' leftovers (pkg(8), clean).

#include "pkg/build/clean.hpp"

#include "build_tree.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "pkg/error.hpp"
#include "pkg/fetch/origins.hpp"
#include "pkg/package/package_io.hpp"

namespace pkg {
namespace fs = std::filesystem;
namespace {

std::uint64_t tree_bytes(const fs::path& path) {
    struct stat st{};
    if (::lstat(path.c_str(), &st) != 0) return 0;
    if (!S_ISDIR(st.st_mode)) return static_cast<std::uint64_t>(st.st_blocks) * 512;
    std::uint64_t total = 0;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
        if (::lstat(it->path().c_str(), &st) == 0) total += static_cast<std::uint64_t>(st.st_blocks) * 512;
    }
    return total;
}

// Whether a build holds the directory's lock now.
bool in_use(const fs::path& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return false;
    bool busy = ::flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    ::close(fd);
    return busy;
}

void distfiles(const PortsTree& tree, const CleanPlaces& places, std::vector<CleanItem>& out) {
    std::set<std::string> needed;
    for (const auto& name : tree.names()) {
        const PortRead* read = tree.find(name);
        if (!read || !read->port) continue;
        for (const auto& source : read->port->sources) {
            for (const auto& artifact : source_artifacts(*read->port, source, places.mirrors)) needed.insert(artifact.file);
        }
    }
    std::error_code ec;
    for (fs::directory_iterator it(places.cache_dir, ec), end; !ec && it != end; it.increment(ec)) {
        std::string name = it->path().filename().string();
        if (name.starts_with(".")) continue;  // pkg's own state: apt's, the locks
        std::string file = name.ends_with(".part") ? name.substr(0, name.size() - 5) : name;
        if (needed.count(file) || !it->is_regular_file(ec)) continue;
        out.push_back({CleanItem::Kind::distfile, it->path(), tree_bytes(it->path())});
    }
}

void packages(const PortsTree& tree, const CleanPlaces& places, std::vector<CleanItem>& out) {
    std::error_code ec;
    for (fs::directory_iterator target(places.packages_dir, ec), end; !ec && target != end; target.increment(ec)) {
        if (!target->is_directory(ec)) continue;
        std::error_code inner;
        for (fs::directory_iterator it(target->path(), inner); !inner && it != end; it.increment(inner)) {
            std::string name = it->path().filename().string();
            if (!name.ends_with(".pkg.tar.zst")) continue;
            bool current = false;
            try {
                PackageManifest m = read_package_manifest(it->path());
                const PortRead* read = tree.find(m.name);
                current = read && read->port && read->port->full_version() == m.version + "-" + m.release;
            } catch (const Error&) {
                current = false;  // unreadable: of no use either
            }
            if (!current) {
                fs::path record = it->path();
                record += ".build";
                out.push_back({CleanItem::Kind::package, it->path(), tree_bytes(it->path()) + tree_bytes(record)});
            }
        }
    }
}

void builds(const CleanPlaces& places, std::vector<CleanItem>& out) {
    std::error_code ec;
    for (fs::directory_iterator it(places.build_dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->path().filename() == "toolchains" || !it->is_directory(ec) || it->is_symlink(ec)) continue;
        if (in_use(it->path())) continue;
        out.push_back({CleanItem::Kind::build, it->path(), tree_bytes(it->path())});
    }
}

}  // namespace

void remove_build_tree(const fs::path& path) {
    std::error_code ec;
    for (fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
        if (it->is_directory(ec) && !it->is_symlink(ec)) ::chmod(it->path().c_str(), 0700);
    }
    fs::remove_all(path, ec);
    if (ec) throw SystemError{ec.value(), path, "cannot remove {}", path.string()};
}

const char* clean_kind_name(CleanItem::Kind kind) {
    switch (kind) {
        case CleanItem::Kind::distfile: return "distfile";
        case CleanItem::Kind::package: return "package";
        case CleanItem::Kind::build: return "build";
    }
    return "distfile";
}

std::vector<CleanItem> plan_clean(const PortsTree& tree, const CleanPlaces& places) {
    std::vector<CleanItem> out;
    distfiles(tree, places, out);
    packages(tree, places, out);
    builds(places, out);
    std::sort(out.begin(), out.end(), [](const CleanItem& a, const CleanItem& b) {
        return a.kind != b.kind ? a.kind < b.kind : a.path < b.path;
    });
    return out;
}

std::uint64_t carry_out_clean(const std::vector<CleanItem>& items) {
    std::uint64_t freed = 0;
    for (const auto& item : items) {
        if (item.kind == CleanItem::Kind::build) {
            if (in_use(item.path)) continue;  // a build began meanwhile
            remove_build_tree(item.path);
        } else {
            if (::unlink(item.path.c_str()) != 0 && errno != ENOENT) {
                throw SystemError{errno, item.path, "cannot remove {}", item.path.string()};
            }
            if (item.kind == CleanItem::Kind::package) {
                fs::path record = item.path;
                record += ".build";
                ::unlink(record.c_str());
            }
        }
        freed += item.bytes;
    }
    return freed;
}

}  // namespace pkg
