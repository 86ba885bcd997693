// pkg install, remove and recover into a scratch root, as a user runs them:
// packages made by pkg create, the root's files and database checked after
// each step, and a kill at every mutating step of an upgrade recovered to
// exactly the state before or the state after.

#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/process.hpp"

namespace {
namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// The root's tree (type, mode, content, link target) outside var/lib/pkg,
// and what pkg list says: the state a transaction moves between.
std::string state_of(const fs::path& root) {
    std::vector<std::string> lines;
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
        std::string rel = it->path().lexically_relative(root).string();
        if (rel == "var" || rel.rfind("var/", 0) == 0) continue;
        struct stat st {};
        lstat(it->path().c_str(), &st);
        std::string line = rel + " " + std::to_string(st.st_mode);
        if (S_ISLNK(st.st_mode)) line += " -> " + fs::read_symlink(it->path()).string();
        if (S_ISREG(st.st_mode)) line += " " + slurp(it->path());
        lines.push_back(line);
    }
    std::sort(lines.begin(), lines.end());
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out + "--\n" + pkgtest::run_pkg({"--root", root.string(), "list"}).out;
}

struct Scratch {
    pkgtest::ScratchDir dir;
    fs::path base = dir.path();
    fs::path root = base / "root";
    Scratch() { fs::create_directories(root); }

    // Makes hello VERSION with `files` (path -> content) and returns its file.
    std::string make(const std::string& name, const std::string& version,
                     const std::vector<std::pair<std::string, std::string>>& files,
                     std::vector<std::string> extra = {}) {
        fs::path staged = base / ("staged-" + name + "-" + version);
        fs::remove_all(staged);
        for (const auto& [path, content] : files) {
            fs::create_directories((staged / path).parent_path());
            if (content.rfind("->", 0) == 0) {
                fs::create_symlink(content.substr(2), staged / path);  // "->TARGET": a symbolic link
            } else {
                std::ofstream(staged / path) << content;
            }
        }
        std::vector<std::string> args{"create", "--from", staged.string(), "--name", name, "--pkgver", version,
                                      "--arch", "x86_64", "-o", base.string()};
        args.insert(args.end(), extra.begin(), extra.end());
        auto r = pkgtest::run_pkg(args);
        EXPECT_EQ(r.status, 0) << r.err;
        return (base / (name + "-" + version + "-1-x86_64.pkg.tar.zst")).string();
    }
    pkgtest::ProcessResult pkg(std::vector<std::string> args, pkgtest::ProcessOptions options = {}) const {
        args.insert(args.begin(), {"--root", root.string()});
        return pkgtest::run_pkg(args, options);
    }
};

TEST(Transaction, InstallUpgradeAndRemoveAPackage) {
    Scratch s;
    std::string v1 = s.make("hello", "1.0", {{"usr/bin/hello", "v1\n"}, {"usr/share/hello/old", "old\n"}});
    std::string v2 = s.make("hello", "2.0", {{"usr/bin/hello", "v2\n"}, {"usr/share/hello/new", "new\n"}});
    auto r = s.pkg({"install", "-y", v1});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "install hello 1.0-1\n");
    EXPECT_NE(r.err.find("installed hello 1.0-1"), std::string::npos) << r.err;
    EXPECT_EQ(slurp(s.root / "usr/bin/hello"), "v1\n");
    EXPECT_EQ(s.pkg({"list"}).out, "hello 1.0-1\n");
    EXPECT_EQ(s.pkg({"check"}).status, 0);
    EXPECT_EQ(s.pkg({"owner", "/usr/bin/hello"}).out, "/usr/bin/hello is owned by hello 1.0-1\n");

    r = s.pkg({"install", "-y", v2});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "upgrade hello 1.0-1 -> 2.0-1\n");
    EXPECT_EQ(slurp(s.root / "usr/bin/hello"), "v2\n");
    EXPECT_FALSE(fs::exists(s.root / "usr/share/hello/old"));
    EXPECT_TRUE(fs::exists(s.root / "usr/share/hello/new"));
    EXPECT_EQ(s.pkg({"check"}).status, 0);
    // Nothing of pkg's own is left beside the files.
    for (auto& e : fs::recursive_directory_iterator(s.root)) {
        EXPECT_EQ(e.path().filename().string().rfind(".pkg-", 0), std::string::npos) << e.path();
    }
    EXPECT_EQ(s.pkg({"install", "-y", v1}).status, 6);  // a downgrade needs --force
    EXPECT_EQ(slurp(s.root / "usr/bin/hello"), "v2\n");

    r = s.pkg({"remove", "-y", "hello"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_FALSE(fs::exists(s.root / "usr"));  // emptied directories go too
    EXPECT_EQ(s.pkg({"list"}).out, "");
}

TEST(Transaction, DryRunShowsThePlanAndChangesNothing) {
    Scratch s;
    std::string v1 = s.make("hello", "1.0", {{"usr/bin/hello", "v1\n"}});
    std::string before = state_of(s.root);
    auto r = s.pkg({"install", "--dry-run", v1});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "install hello 1.0-1\n");
    EXPECT_EQ(state_of(s.root), before);
    auto json = s.pkg({"--json", "install", "--dry-run", v1});
    auto j = nlohmann::json::parse(json.out);
    EXPECT_EQ(j["dry-run"], true);
    EXPECT_EQ(j["changes"][0]["action"], "install");
    EXPECT_EQ(j["changes"][0]["to"], "1.0-1");
}

TEST(Transaction, RefusalsTouchNothing) {
    Scratch s;
    std::string app = s.make("app", "1", {{"usr/bin/app", "app\n"}}, {"--depends", "libfoo>=2"});
    std::string other = s.make("other", "1", {{"usr/bin/app", "other\n"}});
    auto r = s.pkg({"install", "-y", app});
    EXPECT_EQ(r.status, 6);
    EXPECT_NE(r.err.find("app needs libfoo>=2, which is neither installed nor in the transaction"), std::string::npos)
        << r.err;
    std::string mine = s.make("mine", "1", {{"usr/bin/app", "mine\n"}});
    ASSERT_EQ(s.pkg({"install", "-y", mine}).status, 0);
    std::string before = state_of(s.root);
    r = s.pkg({"install", "-y", other});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("other installs a file at /usr/bin/app, where mine has a file"), std::string::npos) << r.err;
    EXPECT_EQ(state_of(s.root), before);
    r = s.pkg({"install", "-y", "--overwrite", "/usr/bin/*", other});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(s.pkg({"owner", "/usr/bin/app"}).out, "/usr/bin/app is owned by other 1-1\n");
    EXPECT_EQ(s.pkg({"install", "-y", "notapackage"}).status, 2);
}

TEST(Transaction, AnEditedConfigFileIsKept) {
    Scratch s;
    std::string v1 = s.make("tool", "1", {{"etc/tool.conf", "a = 1\n"}}, {"--conf-file", "etc/tool.conf"});
    std::string v2 = s.make("tool", "2", {{"etc/tool.conf", "a = 2\n"}}, {"--conf-file", "etc/tool.conf"});
    ASSERT_EQ(s.pkg({"install", "-y", v1}).status, 0);
    std::ofstream(s.root / "etc/tool.conf") << "mine\n";
    auto r = s.pkg({"install", "-y", v2});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(slurp(s.root / "etc/tool.conf"), "mine\n");
    EXPECT_EQ(slurp(s.root / "etc/tool.conf.pkgnew"), "a = 2\n");
    EXPECT_NE(r.err.find("/etc/tool.conf was edited: kept, the new one is /etc/tool.conf.pkgnew"), std::string::npos)
        << r.err;
    r = s.pkg({"remove", "-y", "tool"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(slurp(s.root / "etc/tool.conf.pkgsave"), "mine\n");
}

// Kills pkg at each mutating step of `pkg install -y v2` over v1 (the door
// counts them); after `pkg recover` the root is exactly as before or as
// after. Returns how many steps were killed.
int kill_at_every_step(Scratch& s, const std::string& v1, const std::string& v2) {
    EXPECT_EQ(s.pkg({"install", "-y", v1}).status, 0);
    std::string before = state_of(s.root);
    fs::path pristine = s.base / "pristine";
    fs::copy(s.root, pristine, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    EXPECT_EQ(s.pkg({"install", "-y", v2}).status, 0);
    std::string after = state_of(s.root);
    EXPECT_NE(before, after);
    int killed = 0;
    for (int step = 1; step < 200; ++step) {
        fs::remove_all(s.root);
        fs::copy(pristine, s.root, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
        pkgtest::ProcessOptions fault;
        fault.set_env["PKGMGR_TEST_FAULT"] = std::to_string(step) + ":kill";
        auto r = s.pkg({"install", "-y", v2}, fault);
        if (r.status == 0) break;  // past the last step
        EXPECT_EQ(r.status, 128 + 9) << "step " << step << ": " << r.err;
        if (r.status != 128 + 9) break;
        ++killed;
        auto rec = s.pkg({"recover"});
        EXPECT_EQ(rec.status, 0) << "step " << step << ": " << rec.err;
        std::string now = state_of(s.root);
        EXPECT_TRUE(now == before || now == after) << "step " << step << ":\n" << now;
        EXPECT_EQ(s.pkg({"check"}).status, 0) << "step " << step;
        for (auto& e : fs::recursive_directory_iterator(s.root)) {
            EXPECT_EQ(e.path().filename().string().rfind(".pkg-", 0), std::string::npos) << "step " << step << ": " << e.path();
        }
    }
    fs::remove_all(pristine);
    return killed;
}

TEST(Transaction, AKillAtAnyStepRecoversToBeforeOrAfter) {
    Scratch s;
    std::string v1 = s.make("hello", "1.0", {{"usr/bin/hello", "v1\n"}, {"usr/lib/a", "a\n"}, {"etc/x.conf", "x\n"}},
                            {"--conf-file", "etc/x.conf"});
    std::string v2 = s.make("hello", "2.0", {{"usr/bin/hello", "v2\n"}, {"usr/share/b", "b\n"}, {"etc/x.conf", "y\n"}},
                            {"--conf-file", "etc/x.conf"});
    EXPECT_GE(kill_at_every_step(s, v1, v2), 10);  // the upgrade has that many steps at least
}

// The same for paths that change type: a file and a link that become
// directory trees, a directory tree that becomes a file and one that becomes
// a link (DESIGN.md: one RENAME_EXCHANGE each, the new tree staged whole).
TEST(Transaction, AKillAtAnyStepOfTypeChangesRecoversToBeforeOrAfter) {
    Scratch s;
    std::string v1 = s.make("shape", "1.0",
                            {{"opt/f2d", "a file\n"},
                             {"opt/l2d", "->f2d"},
                             {"opt/d2f/one", "1\n"},
                             {"opt/d2f/sub/two", "2\n"},
                             {"opt/d2l/x", "x\n"},
                             {"opt/keep", "k\n"}});
    std::string v2 = s.make("shape", "2.0",
                            {{"opt/f2d/one", "1\n"},
                             {"opt/f2d/sub/two", "2\n"},
                             {"opt/l2d/y", "y\n"},
                             {"opt/d2f", "now a file\n"},
                             {"opt/d2l", "->keep"},
                             {"opt/keep", "k\n"}});
    EXPECT_GE(kill_at_every_step(s, v1, v2), 15);
}

// As root, what is installed is root:root even below a set-group-ID
// directory of another group (or with pkg running under another group).
TEST(Transaction, AsRootEverythingInstalledIsRoots) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    Scratch s;
    std::string v1 = s.make("owned", "1.0", {{"srv/sub/file", "f\n"}, {"srv/sub/link", "->file"}, {"srv/top", "t\n"}});
    fs::create_directories(s.root / "srv");
    ASSERT_EQ(::chown((s.root / "srv").c_str(), 0, 1234), 0);
    ASSERT_EQ(::chmod((s.root / "srv").c_str(), 02775), 0);
    auto r = s.pkg({"install", "-y", v1});
    ASSERT_EQ(r.status, 0) << r.err;
    for (const char* path : {"srv/sub", "srv/sub/file", "srv/sub/link", "srv/top"}) {
        struct stat st {};
        ASSERT_EQ(::lstat((s.root / path).c_str(), &st), 0) << path;
        EXPECT_EQ(st.st_uid, 0u) << path;
        EXPECT_EQ(st.st_gid, 0u) << path;
    }
    EXPECT_EQ(s.pkg({"check"}).status, 0);
}

TEST(Transaction, AFailedStepRollsBackAtOnce) {
    Scratch s;
    // Two replacements: the second rename fails after the first is in place.
    std::string v1 = s.make("hello", "1.0", {{"usr/bin/hello", "v1\n"}, {"usr/bin/more", "m1\n"}});
    std::string v2 = s.make("hello", "2.0", {{"usr/bin/hello", "v2\n"}, {"usr/bin/more", "m2\n"}});
    ASSERT_EQ(s.pkg({"install", "-y", v1}).status, 0);
    std::string before = state_of(s.root);
    pkgtest::ProcessOptions fault;
    fault.set_env["PKGMGR_TEST_FAULT"] = "rename#2:enospc";
    auto r = s.pkg({"install", "-y", v2}, fault);
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
    EXPECT_EQ(state_of(s.root), before);
    EXPECT_EQ(s.pkg({"recover"}).err, "nothing to recover\n");
}

TEST(Transaction, ASecondWriterWithoutWaitingExitsFour) {
    Scratch s;
    std::string v1 = s.make("hello", "1.0", {{"usr/bin/hello", "v1\n"}});
    // Hold a writer at its first sync (everything staged), through the door's pause.
    int gate[2], steps[2];
    ASSERT_EQ(pipe(gate), 0);
    ASSERT_EQ(pipe(steps), 0);
    pid_t pid = fork();
    if (pid == 0) {
        ::close(gate[1]);
        ::close(steps[0]);
        setenv("PKGMGR_TEST_FAULT", ("syncfs#1:pause=" + std::to_string(gate[0])).c_str(), 1);
        setenv("PKGMGR_TEST_STEPS", std::to_string(steps[1]).c_str(), 1);
        setenv("NO_COLOR", "1", 1);
        int null = ::open("/dev/null", O_WRONLY);
        ::dup2(null, 1);
        ::dup2(null, 2);
        std::string root = s.root.string(), bin = pkgtest::pkg_binary();
        execl(bin.c_str(), bin.c_str(), "--root", root.c_str(), "install", "-y", v1.c_str(), nullptr);
        _exit(127);
    }
    ::close(gate[0]);
    ::close(steps[1]);
    std::string seen;
    char c;
    while (seen.find("\npause ") == std::string::npos && ::read(steps[0], &c, 1) == 1) seen += c;
    auto busy = s.pkg({"--no-wait", "remove", "-y", "hello"});
    EXPECT_EQ(busy.status, 4) << busy.err;
    auto query = s.pkg({"list"});  // queries are not blocked by a writer
    EXPECT_EQ(query.status, 0) << query.err;
    EXPECT_EQ(query.out, "");  // the last committed state: nothing yet
    ASSERT_EQ(::write(gate[1], "x", 1), 1);
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT_EQ(s.pkg({"list"}).out, "hello 1.0-1\n");
    ::close(gate[1]);
    ::close(steps[0]);
}

// A file written under its final name that someone else creates between
// the plan and the write (EEXIST) is theirs: the transaction fails and its
// rollback leaves that file alone.
TEST(Transaction, ANameTakenSinceThePlanIsNotRemovedByTheRollback) {
    Scratch s;
    std::string v1 = s.make("hello", "1.0", {{"usr/bin/hello", "v1\n"}, {"usr/bin/extra", "e\n"}});
    fs::create_directories(s.root / "usr/bin");
    int gate[2], steps[2];
    ASSERT_EQ(pipe(gate), 0);
    ASSERT_EQ(pipe(steps), 0);
    pid_t pid = fork();
    if (pid == 0) {
        ::close(gate[1]);
        ::close(steps[0]);
        // Held just before the journal is committed: the plan is made.
        setenv("PKGMGR_TEST_FAULT", ("commit#1:pause=" + std::to_string(gate[0])).c_str(), 1);
        setenv("PKGMGR_TEST_STEPS", std::to_string(steps[1]).c_str(), 1);
        int null = ::open("/dev/null", O_WRONLY);
        ::dup2(null, 1);
        ::dup2(null, 2);
        std::string root = s.root.string(), bin = pkgtest::pkg_binary();
        execl(bin.c_str(), bin.c_str(), "--root", root.c_str(), "install", "-y", v1.c_str(), nullptr);
        _exit(127);
    }
    ::close(gate[0]);
    ::close(steps[1]);
    std::string seen;
    char c;
    while (seen.find("\npause ") == std::string::npos && ::read(steps[0], &c, 1) == 1) seen += c;
    std::ofstream(s.root / "usr/bin/extra") << "someone else's\n";
    ASSERT_EQ(::write(gate[1], "x", 1), 1);
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << status;
    EXPECT_EQ(slurp(s.root / "usr/bin/extra"), "someone else's\n");
    EXPECT_FALSE(fs::exists(s.root / "usr/bin/hello"));
    EXPECT_EQ(s.pkg({"list"}).out, "");
    EXPECT_EQ(s.pkg({"recover"}).err, "nothing to recover\n");
    ::close(gate[1]);
    ::close(steps[0]);
}

TEST(Transaction, HoldMarkAndHistory) {
    Scratch s;
    std::string v1 = s.make("hello", "1.0", {{"usr/bin/hello", "v1\n"}});
    std::string v2 = s.make("hello", "2.0", {{"usr/bin/hello", "v2\n"}});
    ASSERT_EQ(s.pkg({"install", "-y", "--asdeps", v1}).status, 0);
    EXPECT_EQ(s.pkg({"list", "--automatic"}).out, "hello 1.0-1\n");
    EXPECT_EQ(s.pkg({"mark", "--explicit", "hello"}).status, 0);
    EXPECT_EQ(s.pkg({"list", "--explicit"}).out, "hello 1.0-1\n");
    EXPECT_EQ(s.pkg({"mark", "hello"}).status, 2);
    EXPECT_EQ(s.pkg({"hold", "hello"}).status, 0);
    auto held = s.pkg({"install", "-y", v2});
    EXPECT_EQ(held.status, 6);
    EXPECT_NE(held.err.find("hello is held (--force to upgrade it anyway)"), std::string::npos) << held.err;
    EXPECT_EQ(s.pkg({"remove", "-y", "hello"}).status, 6);
    EXPECT_EQ(s.pkg({"hold", "nothere"}).status, 1);
    EXPECT_EQ(s.pkg({"unhold", "hello"}).status, 0);
    ASSERT_EQ(s.pkg({"install", "-y", v2}).status, 0);
    EXPECT_EQ(s.pkg({"list", "--explicit"}).out, "hello 2.0-1\n");  // an upgrade keeps the reason
    auto history = s.pkg({"history"});
    EXPECT_EQ(history.status, 0) << history.err;
    EXPECT_NE(history.out.find(": pkg install --asdeps"), std::string::npos) << history.out;
    EXPECT_NE(history.out.find("  install hello 1.0-1\n"), std::string::npos) << history.out;
    EXPECT_NE(history.out.find("  upgrade hello 1.0-1 -> 2.0-1\n"), std::string::npos) << history.out;
    auto j = nlohmann::json::parse(s.pkg({"--json", "history"}).out);
    ASSERT_EQ(j["transactions"].size(), 2u);
    EXPECT_EQ(j["transactions"][1]["changes"][0]["action"], "upgrade");
}

}  // namespace
