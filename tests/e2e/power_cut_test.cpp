// Power cuts (issue 16): a kill leaves the page cache intact, a power cut
// does not, so what survives one is what was synced. From pkg's own
// system-call trace (strace -f -y) of an upgrade, a remove and recoveries in
// both directions, over a root spread across two filesystems (two tmpfs
// mounts in a namespace of the test's), this shows that:
//   - the journal is durable (the WAL synced) before the first change to the root;
//   - no staged file is renamed into place before a sync of its filesystem
//     that follows its last write;
//   - no database commit (a sync of the WAL) comes before a sync of the
//     filesystem of every change made before it, so that no commit marks
//     anything installed, and no recovery clears its journal, before what it
//     did is durable.
// Syncing the other filesystem does not count: the rules follow each path
// to its own.

#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "support/process.hpp"

namespace {
namespace fs = std::filesystem;

struct Call {
    std::string name;
    std::vector<std::string> paths;  // what it acts on (a directory fd's path joined with its name)
    std::string line;
};

// The fd paths (N<PATH>) and the quoted strings of a call's arguments.
void scan_arguments(const std::string& args, std::vector<std::string>& dirs, std::vector<std::string>& names) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == '"') {
            std::string text;
            for (++i; i < args.size() && args[i] != '"'; ++i) {
                if (args[i] == '\\' && i + 1 < args.size()) ++i;
                text += args[i];
            }
            names.push_back(text);
        } else if (args[i] == '<' && i > 0 && std::isdigit(static_cast<unsigned char>(args[i - 1]))) {
            std::size_t close = args.find('>', i);
            if (close == std::string::npos) return;
            dirs.push_back(args.substr(i + 1, close - i - 1));
            i = close;
        }
    }
}

// One call a line ("PID name(args) = RESULT[<path>]"); only the calls the
// rules look at, and only those that succeeded. (No std::regex: GCC 12's
// warns under the sanitizer build.)
std::vector<Call> parse_trace(const std::string& text) {
    std::vector<Call> out;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        std::size_t at = line.find_first_not_of("0123456789 ");
        if (at == std::string::npos) continue;
        std::size_t open = line.find('(', at);
        std::size_t result = line.rfind(" = ");  // strace pads before it
        if (open == std::string::npos || result == std::string::npos || result < open) continue;
        std::size_t close = line.rfind(')', result);
        if (close == std::string::npos || close < open) continue;
        Call c;
        c.name = line.substr(at, open - at);
        c.line = line;
        std::string args = line.substr(open + 1, close - open - 1);
        std::string ret = line.substr(result + 3);
        if (ret.empty() || !std::isdigit(static_cast<unsigned char>(ret[0]))) continue;  // failed
        std::string ret_path;
        if (auto lt = ret.find('<'); lt != std::string::npos && ret.find('>', lt) != std::string::npos) {
            ret_path = ret.substr(lt + 1, ret.find('>', lt) - lt - 1);
        }
        std::vector<std::string> dirs, names;
        scan_arguments(args, dirs, names);
        if (c.name == "openat") {
            if (args.find("O_CREAT") == std::string::npos || ret_path.empty()) continue;
            c.paths = {ret_path};
        } else if (c.name == "renameat2" || c.name == "renameat" || c.name == "linkat") {
            // (glibc's renameat2 without flags is the renameat call)
            if (dirs.size() < 2 || names.size() < 2) continue;
            c.paths = {dirs[0] + "/" + names[0], dirs[1] + "/" + names[1]};
        } else if (c.name == "unlinkat" || c.name == "mkdirat") {
            if (dirs.empty() || names.empty()) continue;
            c.paths = {dirs[0] + "/" + names[0]};
        } else if (c.name == "symlinkat") {
            if (dirs.empty() || names.size() < 2) continue;
            c.paths = {dirs[0] + "/" + names[1]};
        } else if (c.name == "write" || c.name == "pwrite64" || c.name == "fchmod" || c.name == "fchown" ||
                   c.name == "fchownat" || c.name == "syncfs" || c.name == "fdatasync" || c.name == "fsync") {
            if (dirs.empty()) continue;
            c.paths = {dirs[0]};
        } else {
            continue;
        }
        out.push_back(std::move(c));
    }
    return out;
}

// The filesystems of the root: each mount point below it, longest first.
struct Layout {
    std::string root;
    std::vector<std::string> mounts;  // "" (the root itself) and the others, relative
    std::optional<std::string> filesystem_of(const std::string& path) const {
        if (path != root && path.rfind(root + "/", 0) != 0) return std::nullopt;
        std::string rel = path == root ? "" : path.substr(root.size() + 1);
        std::string best;
        for (const auto& m : mounts) {
            if (!m.empty() && (rel == m || rel.rfind(m + "/", 0) == 0) && m.size() > best.size()) best = m;
        }
        return best.empty() ? std::string("/") : "/" + best;
    }
    bool in_state(const std::string& path) const { return path.rfind(root + "/var/lib/pkg", 0) == 0; }
};

bool is_change(const Call& c) {
    return c.name != "syncfs" && c.name != "fdatasync" && c.name != "fsync";
}

// The rules above; each broken one, described. A transaction writes its own
// journal (`own_journal`); a recovery finds one on disk already.
std::vector<std::string> check_order(const std::vector<Call>& calls, const Layout& layout, bool own_journal = true) {
    std::vector<std::string> problems;
    auto synced_between = [&](const std::string& filesystem, std::size_t from, std::size_t to) {
        for (std::size_t k = from + 1; k < to; ++k) {
            if (calls[k].name == "syncfs" && layout.filesystem_of(calls[k].paths[0]) == filesystem) return true;
        }
        return false;
    };
    auto wal = [&](const Call& c) { return c.paths[0].ends_with("pkg.db-wal"); };
    // The journal before the first change to the root.
    std::optional<std::size_t> first_change;
    for (std::size_t i = 0; i < calls.size() && !first_change; ++i) {
        if (!is_change(calls[i]) || calls[i].name == "pwrite64") continue;
        for (const auto& p : calls[i].paths) {
            if (layout.filesystem_of(p) && !layout.in_state(p)) first_change = i;
        }
    }
    if (first_change && own_journal) {
        std::optional<std::size_t> last_wal_write, last_wal_sync;
        for (std::size_t i = 0; i < *first_change; ++i) {
            if (calls[i].name == "pwrite64" && wal(calls[i])) last_wal_write = i;
            if (calls[i].name == "fdatasync" && wal(calls[i])) last_wal_sync = i;
        }
        if (!last_wal_write || !last_wal_sync || *last_wal_sync < *last_wal_write) {
            problems.push_back("the root changes before the journal is synced: " + calls[*first_change].line);
        }
    }
    // Every commit after a sync of the filesystem of every change before it;
    // every rename after a sync that follows the last write of what it renames.
    std::map<std::string, std::size_t> last_write;
    for (std::size_t i = 0; i < calls.size(); ++i) {
        const Call& c = calls[i];
        if (c.name == "write" || c.name == "pwrite64" || c.name == "fchmod") last_write[c.paths[0]] = i;
        if (c.name == "fdatasync" && wal(c)) {
            for (std::size_t j = 0; j < i; ++j) {
                if (!is_change(calls[j])) continue;
                for (const auto& p : calls[j].paths) {
                    auto filesystem = layout.filesystem_of(p);
                    if (!filesystem || layout.in_state(p)) continue;
                    if (!synced_between(*filesystem, j, i)) {
                        problems.push_back("a commit (" + c.line + ") before " + *filesystem +
                                           " is synced after: " + calls[j].line);
                    }
                }
            }
        }
        if (c.name == "renameat2" || c.name == "renameat") {
            auto written = last_write.find(c.paths[0]);
            auto filesystem = layout.filesystem_of(c.paths[0]);
            if (written != last_write.end() && filesystem && !synced_between(*filesystem, written->second, i)) {
                problems.push_back("renamed into place before " + *filesystem + " is synced after its last write: " +
                                   c.line);
            }
        }
    }
    return problems;
}

TEST(PowerCut, TheCheckerFollowsEachPathToItsOwnFilesystem) {
    Layout layout{"/r", {"", "usr"}};
    std::string good =
        "1 fdatasync(7</r/var/lib/pkg/pkg.db-wal>) = 0\n"
        "1 pwrite64(7</r/var/lib/pkg/pkg.db-wal>, \"x\", 1, 0) = 1\n"
        "1 fdatasync(7</r/var/lib/pkg/pkg.db-wal>) = 0\n"
        "1 openat(13</r/usr/bin>, \".pkg-1\", O_WRONLY|O_CREAT|O_EXCL, 0600) = 14</r/usr/bin/.pkg-1>\n"
        "1 write(14</r/usr/bin/.pkg-1>, \"v2\", 2) = 2\n"
        "1 SYNC\n"
        "1 renameat2(13</r/usr/bin>, \".pkg-1\", 13</r/usr/bin>, \"hello\", RENAME_NOREPLACE) = 0\n"
        "1 syncfs(9</r/usr>) = 0\n"
        "1 pwrite64(7</r/var/lib/pkg/pkg.db-wal>, \"x\", 1, 0) = 1\n"
        "1 fdatasync(7</r/var/lib/pkg/pkg.db-wal>) = 0\n";
    auto with = [&](const std::string& sync) {
        std::string text = good;
        text.replace(text.find("1 SYNC\n"), 7, sync);
        return parse_trace(text);
    };
    EXPECT_EQ(check_order(with("1 syncfs(9</r/usr>) = 0\n"), layout), std::vector<std::string>{});
    // The root's own filesystem synced instead of /usr's: the rename is early.
    EXPECT_EQ(check_order(with("1 syncfs(8</r>) = 0\n"), layout).size(), 1u);
    EXPECT_EQ(check_order(with(""), layout).size(), 1u);
    auto plain_rename = parse_trace(
        "1 write(14</r/usr/bin/.pkg-1>, \"v2\", 2) = 2\n"
        "1 renameat(13</r/usr/bin>, \".pkg-1\", 13</r/usr/bin>, \"hello\") = 0\n");
    EXPECT_EQ(check_order(plain_rename, layout, false).size(), 1u);
    // A commit with no sync after a change.
    auto early = parse_trace(
        "1 pwrite64(7</r/var/lib/pkg/pkg.db-wal>, \"x\", 1, 0) = 1\n"
        "1 fdatasync(7</r/var/lib/pkg/pkg.db-wal>) = 0\n"
        "1 unlinkat(12</r/etc>, \"old\", 0) = 0\n"
        "1 syncfs(9</r/usr>) = 0\n"
        "1 fdatasync(7</r/var/lib/pkg/pkg.db-wal>) = 0\n");
    EXPECT_EQ(check_order(early, layout).size(), 1u);
    // A change before the journal is durable.
    auto unjournaled = parse_trace(
        "1 pwrite64(7</r/var/lib/pkg/pkg.db-wal>, \"x\", 1, 0) = 1\n"
        "1 mkdirat(12</r/usr>, \"share\", 0700) = 0\n"
        "1 fdatasync(7</r/var/lib/pkg/pkg.db-wal>) = 0\n");
    EXPECT_FALSE(check_order(unjournaled, layout).empty());
}

TEST(PowerCut, EveryChangeIsDurableBeforeItIsInPlaceOrCommitted) {
    if (!pkgtest::can_unshare_mounts()) GTEST_SKIP() << "no mount namespaces here";
    if (!fs::exists("/usr/bin/strace")) GTEST_SKIP() << "no strace";
    pkgtest::ScratchDir dir;
    fs::path base = dir.path();
    // Files on both filesystems: the root's (etc, opt) and /usr's.
    auto make = [&](const std::string& version, const std::vector<std::pair<std::string, std::string>>& files) {
        fs::path staged = base / ("staged-" + version);
        for (const auto& [path, content] : files) {
            fs::create_directories((staged / path).parent_path());
            std::ofstream(staged / path) << content;
        }
        auto r = pkgtest::run_pkg({"create", "--from", staged.string(), "--name", "hello", "--pkgver", version,
                                   "--arch", "any", "--conf-file", "etc/hello.conf", "-o", base.string()});
        EXPECT_EQ(r.status, 0) << r.err;
        return (base / ("hello-" + version + "-1-any.pkg.tar.zst")).string();
    };
    std::string v1 = make("1", {{"usr/bin/hello", "1\n"}, {"usr/share/hello/a", "a1\n"}, {"usr/share/hello/gone", "g\n"},
                                {"etc/hello.conf", "c1\n"}, {"opt/hello/data", "d1\n"}, {"opt/hello/old", "o\n"}});
    std::string v2 = make("2", {{"usr/bin/hello", "2\n"}, {"usr/share/hello/a", "a2\n"}, {"usr/share/hello/new", "n\n"},
                                {"etc/hello.conf", "c2\n"}, {"opt/hello/data", "d2\n"}, {"opt/hello/more", "m\n"}});
    std::string v3 = make("3", {{"usr/bin/hello", "3\n"}, {"usr/share/hello/a", "a3\n"}, {"etc/hello.conf", "c3\n"},
                                {"opt/hello/data", "d3\n"}});
    fs::path root = base / "root";
    fs::create_directories(root);
    std::string trace = "strace -f -y -qq -e signal=none "
                        "-e trace=openat,write,pwrite64,renameat,renameat2,unlinkat,mkdirat,symlinkat,linkat,fchmod,"
                        "fchownat,syncfs,fdatasync,fsync -o";
    std::string script =
        "set -e; root=$1; base=$2; pkg=$3\n"
        "mount -t tmpfs tmpfs \"$root\"; mkdir \"$root/usr\"; mount -t tmpfs tmpfs \"$root/usr\"\n"
        "$pkg --root \"$root\" install -y " + v1 + " >/dev/null 2>&1\n" +
        trace + " \"$base/upgrade.trace\" $pkg --root \"$root\" install -y " + v2 + " >/dev/null 2>&1\n"
        // Killed after its commit: recovery rolls forward.
        "PKGMGR_TEST_FAULT=unlink#1:kill $pkg --root \"$root\" install -y " + v3 + " >/dev/null 2>&1 || true\n" +
        trace + " \"$base/forward.trace\" $pkg --root \"$root\" recover >/dev/null 2>&1\n"
        // Killed mid-rename: recovery rolls back.
        "PKGMGR_TEST_FAULT=rename#2:kill $pkg --root \"$root\" install -y --force " + v1 + " >/dev/null 2>&1 || true\n" +
        trace + " \"$base/back.trace\" $pkg --root \"$root\" recover >/dev/null 2>&1\n" +
        trace + " \"$base/remove.trace\" $pkg --root \"$root\" remove -y hello >/dev/null 2>&1\n"
        "$pkg --root \"$root\" list\n";
    pkgtest::ProcessOptions options;
    options.unset_env = {"PKGMGR_*"};
    options.set_env["ASAN_OPTIONS"] = "detect_leaks=0";  // LeakSanitizer does not run under ptrace
    auto r = pkgtest::run_process({"/usr/bin/unshare", "-rm", "/bin/sh", "-c", script, "sh", root.string(),
                                   base.string(), pkgtest::pkg_binary()},
                                  options);
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(r.out, "");  // removed in the end
    Layout layout{root.string(), {"", "usr"}};
    for (const char* name : {"upgrade", "forward", "back", "remove"}) {
        std::ifstream in(base / (std::string(name) + ".trace"));
        std::stringstream text;
        text << in.rdbuf();
        auto calls = parse_trace(text.str());
        std::set<std::string> synced;
        std::size_t changes = 0;
        for (const auto& c : calls) {
            if (c.name == "syncfs") synced.insert(layout.filesystem_of(c.paths[0]).value_or("?"));
            if (is_change(c) && layout.filesystem_of(c.paths[0]) && !layout.in_state(c.paths[0])) ++changes;
        }
        EXPECT_GT(changes, 2u) << name << ": the trace shows no changes to the root\n" << text.str();
        EXPECT_TRUE(synced.count("/") && synced.count("/usr")) << name << ": both filesystems are synced";
        bool recovery = std::string(name) == "forward" || std::string(name) == "back";
        auto problems = check_order(calls, layout, !recovery);
        for (const auto& p : problems) ADD_FAILURE() << name << ": " << p;
    }
}

}  // namespace
