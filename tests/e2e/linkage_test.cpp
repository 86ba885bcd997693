// DESIGN.md, "Fast start": pkg --version and queries load SQLite at most,
// never libcurl, libarchive or libcrypto. The dynamic loader itself reports
// what it loads (LD_DEBUG=libs), so the test sees what really ran.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "pkg/db/database.hpp"
#include "pkg/root/safe_root.hpp"
#include "support/process.hpp"

namespace {

std::set<std::string> loaded_libraries(const std::vector<std::string>& args) {
    pkgtest::ProcessOptions options;
    options.set_env["LD_DEBUG"] = "libs";
    auto r = pkgtest::run_pkg(args, options);
    EXPECT_EQ(r.status, 0) << r.err;
    std::set<std::string> libs;
    std::istringstream lines(r.err);
    std::string line;
    while (std::getline(lines, line)) {
        // "   1234:     calling init: /lib/x86_64-linux-gnu/libsqlite3.so.0"
        auto at = line.find("calling init: ");
        if (at == std::string::npos) continue;
        std::string path = line.substr(at + 14);
        libs.insert(path.substr(path.rfind('/') + 1));
    }
    EXPECT_FALSE(libs.empty()) << "LD_DEBUG reported nothing:\n" << r.err;
    return libs;
}

void expect_light(const std::vector<std::string>& args) {
    for (const auto& lib : loaded_libraries(args)) {
        for (const char* heavy : {"libcurl", "libarchive", "libcrypto", "libssl", "libxml2"}) {
            EXPECT_NE(lib.rfind(heavy, 0), 0u) << lib << " loaded by pkg " << args.back();
        }
    }
}

TEST(Linkage, VersionLoadsNoHeavyLibrary) { expect_light({"--version"}); }

TEST(Linkage, QueriesLoadNoHeavyLibrary) {
    expect_light({"vercmp", "1", "2"});
    expect_light({"config"});
    // The installed-package queries, over a real database.
    pkgtest::ScratchDir dir;
    {
        pkg::SafeRoot door(dir.path());
        auto db = pkg::db::Database::open_for_write(door);
        pkg::db::Database::Change change(db);
        pkg::db::InstalledPackage p;
        p.name = "a";
        p.version = "1";
        p.release = "1";
        p.arch = "any";
        pkg::db::InstalledFile f;
        f.path = "usr/a";
        f.type = "file";
        f.sha256 = std::string(64, 'a');
        change.put_package(p, {f});
        change.commit();
    }
    expect_light({"--root", dir.path(), "list"});
    expect_light({"--root", dir.path(), "owner", "/usr/a"});
    expect_light({"--root", dir.path(), "files", "a"});
}

// Every file the loader tries for pkg, its modules and the sandbox helper is
// an absolute path: a RUNPATH with an empty entry would search the working
// directory, and a library planted there would run as root.
std::vector<std::string> tried_files(const std::vector<std::string>& argv, const std::string& cwd) {
    pkgtest::ProcessOptions options;
    options.set_env["LD_DEBUG"] = "libs";
    options.cwd = cwd;
    auto r = pkgtest::run_process(argv, options);
    std::vector<std::string> tried;
    std::istringstream lines(r.err);
    std::string line;
    while (std::getline(lines, line)) {
        // "   1234:      trying file=/lib/x86_64-linux-gnu/libfmt.so.9"
        auto at = line.find("trying file=");
        if (at != std::string::npos) tried.push_back(line.substr(at + 12));
    }
    return tried;
}

TEST(Linkage, NoLibraryIsLookedForInTheWorkingDirectory) {
    pkgtest::ScratchDir dir;
    std::filesystem::create_directories(std::filesystem::path(dir.path()) / "tree/usr");
    std::ofstream(std::filesystem::path(dir.path()) / "tree/usr/a") << "a";
    std::string pkg = pkgtest::pkg_binary();
    std::string helper = (std::filesystem::path(pkg).parent_path() / "../lib/pkg/sandbox").lexically_normal();
    // create loads the archive and digest modules.
    std::vector<std::vector<std::string>> runs{
        {pkg, "--version"},
        {pkg, "create", "-q", "--from", "tree", "--name", "a", "--pkgver", "1", "--arch", "any", "-o", "."},
        {helper}};
    for (const auto& argv : runs) {
        auto tried = tried_files(argv, dir.path());
        EXPECT_FALSE(tried.empty()) << argv.front() << ": LD_DEBUG reported no search";
        for (const auto& file : tried) EXPECT_EQ(file.front(), '/') << argv.front() << " tried " << file;
    }
    EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(dir.path()) / "a-1-1-any.pkg.tar.zst"));
}

TEST(Linkage, ReportSeesLibrariesThatAreLoaded) {
    // The check above must be able to fail: libpkg itself is reported.
    auto libs = loaded_libraries({"--version"});
    bool found = false;
    for (const auto& lib : libs) found = found || lib.rfind("libpkg.so", 0) == 0;
    EXPECT_TRUE(found);
}

}  // namespace
