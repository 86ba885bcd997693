// Checks of a build's DESTDIR before packaging (port(5), PACKAGING CHECKS).

#include "package_checks.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string_view>

#include "pkg/error.hpp"
#include "pkg/printable.hpp"

namespace pkg {
namespace fs = std::filesystem;
namespace {

// Top-level names a package's files usually live under; busybox installs
// /bin, /sbin and /linuxrc, musl its dynamic linker under /lib.
bool usual_top(std::string_view name) {
    for (std::string_view usual : {"usr", "etc", "var", "opt", "lib", "lib64", "bin", "sbin", "linuxrc", "srv"}) {
        if (name == usual) return true;
    }
    return false;
}

// Whether the file holds `needle`, read in blocks with an overlap.
bool file_contains(const fs::path& file, const std::string& needle) {
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) return false;
    std::string window;
    char buffer[1 << 16];
    bool found = false;
    while (!found) {
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n <= 0) break;
        window.append(buffer, static_cast<size_t>(n));
        found = window.find(needle) != std::string::npos;
        if (window.size() > needle.size()) window.erase(0, window.size() - needle.size());
    }
    ::close(fd);
    return found;
}

// Whether a symbolic link's target exists: an absolute target inside
// DESTDIR, else the sysroot; a relative one from the link's directory,
// resolved lexically inside DESTDIR.
bool link_resolves(const DestdirCheck& check, const fs::path& relative, const std::string& target, int depth = 0) {
    if (depth > 40) return false;
    fs::path resolved = target.starts_with("/") ? fs::path(target.substr(1)).lexically_normal()
                                                : (relative.parent_path() / target).lexically_normal();
    if (resolved.empty() || *resolved.begin() == "..") return false;
    for (const fs::path& base : {check.destdir, check.sysroot}) {
        if (base.empty()) continue;
        struct stat st{};
        fs::path full = base / resolved;
        if (::lstat(full.c_str(), &st) != 0) continue;
        if (!S_ISLNK(st.st_mode)) return true;
        char buffer[4096];
        ssize_t n = ::readlink(full.c_str(), buffer, sizeof buffer);
        if (n <= 0) return false;
        return link_resolves(check, resolved, std::string(buffer, static_cast<size_t>(n)), depth + 1);
    }
    return false;
}

}  // namespace

DestdirFindings check_destdir(const DestdirCheck& check) {
    DestdirFindings out;
    std::error_code ec;
    fs::recursive_directory_iterator it(check.destdir, fs::directory_options::none, ec), end;
    if (ec) throw SystemError{ec.value(), check.destdir, "cannot read {}", check.destdir.string()};
    size_t entries = 0;
    for (; it != end; it.increment(ec)) {
        if (ec) throw SystemError{ec.value(), check.destdir, "cannot read {}", check.destdir.string()};
        ++entries;
        fs::path relative = it->path().lexically_relative(check.destdir);
        std::string name = "/" + printable_name(relative.string());
        struct stat st{};
        if (::lstat(it->path().c_str(), &st) != 0) continue;
        if (it.depth() == 0 && !usual_top(relative.string())) {
            out.warnings.push_back(name + " is outside the usual prefixes (/usr, /etc, /var, /opt, /lib, /bin, /sbin)");
        }
        if (S_ISLNK(st.st_mode)) {
            char buffer[4096];
            ssize_t n = ::readlink(it->path().c_str(), buffer, sizeof buffer);
            std::string target = n > 0 ? std::string(buffer, static_cast<size_t>(n)) : std::string();
            if (!link_resolves(check, relative, target)) {
                out.warnings.push_back(name + " is a broken symbolic link (to " + printable_name(target) + ")");
            }
            for (const auto& forbidden : check.forbidden_paths) {
                if (target.find(forbidden) != std::string::npos) {
                    out.errors.push_back(name + " points into " + forbidden + ", a path of the build machine");
                }
            }
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            if ((st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX)) {
                out.errors.push_back(name + " is a world-writable directory without the sticky bit");
            }
            continue;
        }
        if (!S_ISREG(st.st_mode)) continue;  // the package writer names other types
        if (st.st_mode & S_IWOTH) out.errors.push_back(name + " is world-writable");
        if (st.st_mode & (S_ISUID | S_ISGID)) {
            std::string path = relative.string();
            if (std::find(check.setuid_allowed.begin(), check.setuid_allowed.end(), path) ==
                check.setuid_allowed.end()) {
                out.errors.push_back(name + " is setuid or setgid, and the port does not declare it ('setuid')");
            }
        }
        for (const auto& forbidden : check.forbidden_paths) {
            if (file_contains(it->path(), forbidden)) {
                out.errors.push_back(name + " holds " + forbidden + ", a path of the build machine");
            }
        }
    }
    if (entries == 0) out.errors.push_back("the build installed nothing into DESTDIR");
    return out;
}

}  // namespace pkg
