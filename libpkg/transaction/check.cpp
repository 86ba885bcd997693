#include "pkg/transaction/check.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "pkg/db/database.hpp"
#include "pkg/error.hpp"
#include "pkg/file_read.hpp"
#include "pkg/root/door.hpp"
#include "transaction_steps.hpp"

namespace pkg {
namespace {

const char* type_word(const std::string& type) {
    if (type == "dir") return "a directory";
    if (type == "symlink") return "a symbolic link";
    return "a regular file";  // file and hardlink
}

bool type_matches(const std::string& type, mode_t mode) {
    if (type == "dir") return S_ISDIR(mode);
    if (type == "symlink") return S_ISLNK(mode);
    return S_ISREG(mode);
}

void check_file(Door& door, const std::string& package, const db::InstalledFile& f,
                std::vector<CheckProblem>& out) {
    auto problem = [&](std::string text) { out.push_back({package, f.path, std::move(text)}); };
    auto st = door.stat(f.path);
    if (!st) return problem("missing");
    if (!type_matches(f.type, st->mode)) {
        return problem(fmt::format("is {}, the package installed {}", file_type_name(st->mode), type_word(f.type)));
    }
    if (f.type != "symlink" && (st->mode & 07777) != f.mode) {
        problem(fmt::format("mode {:04o}, the package installed {:04o}", st->mode & 07777, f.mode));
    }
    // A directory may have been there before any package (an adopted one
    // keeps its owner, as pacman and dpkg leave it); what a package brings
    // is its own.
    if (f.type != "dir" &&
        (static_cast<std::int64_t>(st->uid) != f.uid || static_cast<std::int64_t>(st->gid) != f.gid)) {
        problem(fmt::format("owner {}:{}, the package installed {}:{}", st->uid, st->gid, f.uid, f.gid));
    }
    if (f.type == "symlink") {
        std::string target = door.read_link(f.path);
        if (target != f.target) problem(fmt::format("points to '{}', the package installed '{}'", target, f.target));
    } else if (f.type == "hardlink") {
        auto first = door.stat(f.target);
        if (!first || first->ino != st->ino || first->dev != st->dev) {
            problem(fmt::format("is no longer a hard link of /{}", f.target));
        }
    } else if (f.type == "file" && !f.config) {
        if (st->size != f.size) {
            problem(fmt::format("content changed: {} bytes, the package installed {}", st->size, f.size));
        } else if (door_digest(door, f.path) != f.sha256) {
            problem("content changed: its sha256 differs from the package's");
        }
    }
}

}  // namespace

std::vector<CheckProblem> check_installed(Door& door, const db::Database& database,
                                          const std::vector<std::string>& names) {
    std::vector<std::string> packages = names;
    if (packages.empty()) {
        for (const auto& p : database.packages()) packages.push_back(p.name);
    }
    for (const auto& name : packages) {
        if (!database.package(name)) {
            throw with_hint(Error("no package named '{}' is installed", name), "'pkg list' lists them");
        }
    }
    std::vector<CheckProblem> out;
    for (const auto& name : packages) {
        for (const auto& f : database.files_of(name)) {
            // A path the door refuses (below a symlink planted in the root)
            // is that file's problem; the others are still checked.
            try {
                check_file(door, name, f, out);
            } catch (const Error& e) {
                out.push_back({name, f.path, fmt::format("cannot be checked: {}", e.what())});
            }
        }
    }
    return out;
}

}  // namespace pkg
