// The queries of an installed root: list, owner, files, info, as a user
// runs them, over a real database (recorded here through libpkg, as a
// transaction would), text and JSON pinned by golden files.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <nlohmann/json.hpp>

#include "pkg/db/database.hpp"
#include "pkg/root/safe_root.hpp"
#include "support/process.hpp"
#include "support/tar_builder.hpp"

namespace {
namespace fs = std::filesystem;

pkg::db::InstalledFile entry(const std::string& path, const std::string& type) {
    pkg::db::InstalledFile f;
    f.path = path;
    f.type = type;
    f.mode = type == "dir" ? 0755 : 0644;
    if (type == "file") {
        f.size = 12;
        f.sha256 = std::string(64, 'b');
    }
    if (type == "symlink") f.target = "libz.so.1.3";
    return f;
}

// A root with zlib (automatic, needed by curl through the virtual name
// libz), curl (explicit, held) and a shared usr/lib.
struct InstalledRoot {
    pkgtest::ScratchDir dir;
    fs::path root = fs::path(dir.path()) / "root";
    InstalledRoot() {
        fs::create_directories(root);
        fs::permissions(dir.path(), fs::perms(0755));
        pkg::SafeRoot door(root);
        auto db = pkg::db::Database::open_for_write(door);
        pkg::db::Database::Change change(db);
        change.set_target("x86_64");
        pkg::db::InstalledPackage zlib;
        zlib.name = "zlib";
        zlib.version = "1.3";
        zlib.release = "1";
        zlib.arch = "x86_64";
        zlib.size = 120000;
        zlib.reason = pkg::db::Reason::automatic;
        zlib.installed_at = 1700000000;
        zlib.provides = {"libz=1.3"};
        change.put_package(zlib, {entry("usr", "dir"), entry("usr/lib", "dir"), entry("usr/lib/libz.so.1", "symlink"),
                                  entry("usr/lib/libz.so.1.3", "file")});
        pkg::db::InstalledPackage curl;
        curl.name = "curl";
        curl.version = "8.4.0";
        curl.release = "2";
        curl.arch = "x86_64";
        curl.size = 450000;
        curl.held = true;
        curl.installed_at = 1700003600;
        curl.depends = {"libz>=1.2", "musl"};
        curl.port_hash = std::string(64, 'c');
        change.put_package(curl, {entry("usr", "dir"), entry("usr/bin", "dir"), entry("usr/bin/curl", "file"),
                                  entry("usr/lib", "dir"), entry("usr/lib/libcurl.so.4", "file")});
        change.commit();
    }
    pkgtest::ProcessResult run(std::vector<std::string> args) const {
        args.insert(args.begin(), {"--root", root.string()});
        return pkgtest::run_pkg(args);
    }
};

TEST(Queries, ListShowsEveryPackageOrOneReason) {
    InstalledRoot r;
    auto all = r.run({"list"});
    EXPECT_EQ(all.status, 0) << all.err;
    EXPECT_EQ(all.out, "curl 8.4.0-2\nzlib 1.3-1\n");
    EXPECT_EQ(r.run({"list", "--explicit"}).out, "curl 8.4.0-2\n");
    EXPECT_EQ(r.run({"list", "--automatic"}).out, "zlib 1.3-1\n");
    EXPECT_EQ(r.run({"list", "--explicit", "--automatic"}).status, 2);
    auto json = r.run({"--json", "list"});
    EXPECT_EQ(pkgtest::check_golden("query-list.json", json.out), "");
}

TEST(Queries, AnEmptyOrNewRootListsNothing) {
    pkgtest::ScratchDir dir;
    auto r = pkgtest::run_pkg({"--root", dir.path(), "list"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_FALSE(fs::exists(fs::path(dir.path()) / "var"));  // a query writes nothing
    r = pkgtest::run_pkg({"--root", dir.path(), "owner", "/usr/bin/x"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "error: no package owns /usr/bin/x\n");
}

TEST(Queries, OwnerTakesPathsWithOrWithoutTheRoot) {
    InstalledRoot r;
    auto res = r.run({"owner", "/usr/bin/curl", (r.root / "usr/lib/libz.so.1").string(), "/usr/lib/", "//usr/./bin/../bin/curl"});
    EXPECT_EQ(res.status, 0) << res.err;
    EXPECT_EQ(res.out,
              "/usr/bin/curl is owned by curl 8.4.0-2\n"
              "/usr/lib/libz.so.1 is owned by zlib 1.3-1\n"
              "/usr/lib is owned by curl 8.4.0-2, zlib 1.3-1\n"
              "/usr/bin/curl is owned by curl 8.4.0-2\n");
    auto missing = r.run({"owner", "/usr/bin/curl", "/etc/nothing"});
    EXPECT_EQ(missing.status, 1);
    EXPECT_EQ(missing.out, "/usr/bin/curl is owned by curl 8.4.0-2\n");
    EXPECT_EQ(missing.err, "error: no package owns /etc/nothing\n");
    EXPECT_EQ(r.run({"owner", ""}).status, 2);
    auto json = r.run({"--json", "owner", "/usr/lib", "/etc/nothing"});
    EXPECT_EQ(json.status, 1);
    EXPECT_EQ(pkgtest::check_golden("query-owner.json", json.out), "");
}

TEST(Queries, FilesAndInfoOfInstalledPackages) {
    InstalledRoot r;
    auto files = r.run({"files", "zlib"});
    EXPECT_EQ(files.status, 0) << files.err;
    EXPECT_EQ(files.out, "zlib /usr/\nzlib /usr/lib/\nzlib /usr/lib/libz.so.1\nzlib /usr/lib/libz.so.1.3\n");
    EXPECT_EQ(pkgtest::check_golden("query-files.json", r.run({"--json", "files", "zlib"}).out), "");
    auto info = r.run({"info", "zlib", "curl"});
    EXPECT_EQ(info.status, 0) << info.err;
    EXPECT_EQ(pkgtest::check_golden("query-info.txt", info.out), "");
    EXPECT_EQ(pkgtest::check_golden("query-info.json", r.run({"--json", "info", "zlib"}).out), "");
    auto unknown = r.run({"files", "nothere"});
    EXPECT_EQ(unknown.status, 1);
    EXPECT_EQ(unknown.err, "error: no package named 'nothere' is installed\nhint: 'pkg list' lists them\n");
    EXPECT_EQ(r.run({"info", "zlib", "nothere"}).out, "");  // all or nothing
}

TEST(Queries, AnotherUserQueriesARootOwnedRoot) {
    InstalledRoot r;
    auto res = pkgtest::run_pkg_unprivileged({"--root", r.root.string(), "owner", "/usr/bin/curl"});
    EXPECT_EQ(res.status, 0) << res.err;
    EXPECT_EQ(res.out, "/usr/bin/curl is owned by curl 8.4.0-2\n");
    res = pkgtest::run_pkg_unprivileged({"--root", r.root.string(), "list"});
    EXPECT_EQ(res.out, "curl 8.4.0-2\nzlib 1.3-1\n");
}

void leave_journal(const fs::path& root, std::int64_t pid) {
    pkg::SafeRoot door(root);
    auto db = pkg::db::Database::open_for_write(door);
    pkg::db::Database::Change change(db);
    pkg::db::Journal j;
    j.txid = "t1";
    j.pid = pid;
    j.boot_id = pkg::db::current_boot_id();
    j.user = "root";
    j.command = "pkg install x.pkg.tar.zst";
    j.filesystems = {{1, ""}};
    change.write_journal(j);
    change.commit();
}

TEST(Queries, AJournalOfARunningWriterReadsTheLastCommittedState) {
    InstalledRoot r;
    leave_journal(r.root, getpid());  // this test process plays the writer
    auto res = r.run({"list"});
    EXPECT_EQ(res.status, 0) << res.err;
    EXPECT_EQ(res.out, "curl 8.4.0-2\nzlib 1.3-1\n");
}

TEST(Queries, AnAbandonedTransactionIsNamedAndExitsEight) {
    InstalledRoot r;
    pid_t child = fork();
    if (child == 0) _exit(0);
    waitpid(child, nullptr, 0);
    leave_journal(r.root, child);
    auto res = r.run({"list"});
    EXPECT_EQ(res.status, 8);
    EXPECT_EQ(res.out, "");
    EXPECT_NE(res.err.find("holds an interrupted transaction ('pkg install x.pkg.tar.zst', pid " +
                           std::to_string(child) + ", planned): it needs recovery first"),
              std::string::npos)
        << res.err;
    EXPECT_NE(res.err.find("hint: run 'pkg recover'"), std::string::npos) << res.err;
    EXPECT_EQ(nlohmann::json::parse(r.run({"--json", "owner", "/usr/bin/curl"}).out)["error"]["kind"], "privilege");
}

// A root whose files are on disk as the database says, for pkg check.
struct CheckedRoot {
    pkgtest::ScratchDir dir;
    fs::path root = fs::path(dir.path()) / "root";
    CheckedRoot() {
        fs::create_directories(root / "usr/bin");
        fs::create_directories(root / "etc");
        std::ofstream(root / "usr/bin/tool") << "#!/bin/sh\necho tool\n";
        std::ofstream(root / "usr/bin/other") << "other\n";
        std::ofstream(root / "etc/tool.conf") << "x = 1\n";
        fs::create_symlink("tool", root / "usr/bin/alias");
        fs::permissions(root / "usr/bin/tool", fs::perms(0755));
        for (const char* f : {"usr/bin/other", "etc/tool.conf"}) fs::permissions(root / f, fs::perms(0644));
        for (const char* d : {"usr", "usr/bin", "etc"}) fs::permissions(root / d, fs::perms(0755));
        pkg::SafeRoot door(root);
        auto db = pkg::db::Database::open_for_write(door);
        pkg::db::Database::Change change(db);
        pkg::db::InstalledPackage p;
        p.name = "tool";
        p.version = "1";
        p.release = "1";
        p.arch = "any";
        auto regular = [&](const std::string& path, unsigned mode, bool config) {
            pkg::db::InstalledFile f;
            f.path = path;
            f.type = "file";
            f.mode = mode;
            f.uid = static_cast<std::int64_t>(geteuid());
            f.gid = static_cast<std::int64_t>(getegid());
            std::ifstream in(root / path, std::ios::binary);
            std::stringstream text;
            text << in.rdbuf();
            f.size = text.str().size();
            f.sha256 = pkgtest::sha256(text.str());
            f.config = config;
            return f;
        };
        auto dir_entry = [&](const std::string& path) {
            pkg::db::InstalledFile f;
            f.path = path;
            f.type = "dir";
            f.mode = 0755;
            f.uid = static_cast<std::int64_t>(geteuid());
            f.gid = static_cast<std::int64_t>(getegid());
            return f;
        };
        pkg::db::InstalledFile link;
        link.path = "usr/bin/alias";
        link.type = "symlink";
        link.mode = 0777;
        link.target = "tool";
        link.uid = static_cast<std::int64_t>(geteuid());
        link.gid = static_cast<std::int64_t>(getegid());
        change.put_package(p, {dir_entry("etc"), regular("etc/tool.conf", 0644, true), dir_entry("usr"),
                               dir_entry("usr/bin"), link, regular("usr/bin/other", 0644, false),
                               regular("usr/bin/tool", 0755, false)});
        change.commit();
    }
    pkgtest::ProcessResult check(std::vector<std::string> args = {}) const {
        args.insert(args.begin(), {"--root", root.string(), "check"});
        return pkgtest::run_pkg(args);
    }
};

TEST(Check, ACleanRootHasNoProblems) {
    CheckedRoot r;
    auto res = r.check();
    EXPECT_EQ(res.status, 0) << res.out << res.err;
    EXPECT_EQ(res.out, "");
    EXPECT_EQ(res.err, "1 package checked: 0 problems\n");
}

TEST(Check, NamesEachProblemAndExitsThree) {
    CheckedRoot r;
    std::ofstream(r.root / "usr/bin/other") << "OTHER\n";  // same size, other content
    fs::permissions(r.root / "usr/bin/tool", fs::perms(0700));
    fs::remove(r.root / "usr/bin/alias");
    fs::create_symlink("/etc/passwd", r.root / "usr/bin/alias");
    std::ofstream(r.root / "etc/tool.conf") << "edited = yes, by the user\n";  // a config file may change
    auto res = r.check({"tool"});
    EXPECT_EQ(res.status, 3);
    EXPECT_EQ(res.out,
              "tool: /usr/bin/alias: points to '/etc/passwd', the package installed 'tool'\n"
              "tool: /usr/bin/other: content changed: its sha256 differs from the package's\n"
              "tool: /usr/bin/tool: mode 0700, the package installed 0755\n");
    fs::remove(r.root / "usr/bin/other");
    fs::remove(r.root / "etc/tool.conf");
    fs::create_directory(r.root / "etc/tool.conf");
    auto json = pkgtest::run_pkg({"--json", "--root", r.root.string(), "check"});
    EXPECT_EQ(json.status, 3);
    auto j = nlohmann::json::parse(json.out);
    EXPECT_EQ(j["packages"], 1);
    ASSERT_EQ(j["problems"].size(), 4u);
    EXPECT_EQ(j["problems"][0]["path"], "/etc/tool.conf");
    EXPECT_EQ(j["problems"][0]["problem"], "is a directory, the package installed a regular file");
    EXPECT_EQ(j["problems"][2]["problem"], "missing");
    EXPECT_EQ(r.check({"nothere"}).status, 1);
}

TEST(Check, ASymlinkedDirectoryIsNeverFollowed) {
    CheckedRoot r;
    fs::path outside = fs::path(r.dir.path()) / "outside";
    fs::create_directories(outside);
    fs::rename(r.root / "usr/bin", outside / "bin");
    fs::create_symlink(outside / "bin", r.root / "usr/bin");
    auto res = r.check();
    EXPECT_EQ(res.status, 3);
    EXPECT_NE(res.out.find("tool: /usr/bin: is a symbolic link, the package installed a directory"), std::string::npos)
        << res.out;
    EXPECT_NE(res.out.find("a symlink stands where a directory is needed"), std::string::npos) << res.out << res.err;
}

}  // namespace
