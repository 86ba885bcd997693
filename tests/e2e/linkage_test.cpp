// DESIGN.md, "Fast start": pkg --version and queries load SQLite at most,
// never libcurl, libarchive or libcrypto. The dynamic loader itself reports
// what it loads (LD_DEBUG=libs), so the test sees what really ran.

#include <gtest/gtest.h>

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

TEST(Linkage, ReportSeesLibrariesThatAreLoaded) {
    // The check above must be able to fail: libpkg itself is reported.
    auto libs = loaded_libraries({"--version"});
    bool found = false;
    for (const auto& lib : libs) found = found || lib.rfind("libpkg.so", 0) == 0;
    EXPECT_TRUE(found);
}

}  // namespace
