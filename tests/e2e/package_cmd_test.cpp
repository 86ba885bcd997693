// pkg create and pkg inspect, run as a user would.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/process.hpp"

namespace {
namespace fs = std::filesystem;

struct Staged {
    pkgtest::ScratchDir dir;
    fs::path tree;
    Staged() : tree(fs::path(dir.path()) / "staged") {
        fs::create_directories(tree / "usr/bin");
        fs::create_directories(tree / "etc");
        std::ofstream(tree / "usr/bin/hello") << "#!/bin/sh\necho hello\n";
        chmod((tree / "usr/bin/hello").c_str(), 0755);
        std::ofstream(tree / "etc/hello.conf") << "greeting = hi\n";
        fs::create_symlink("hello", tree / "usr/bin/hi");
    }
};

pkgtest::ProcessResult create(const Staged& s, std::vector<std::string> extra = {}, std::string output = "") {
    std::vector<std::string> args{"create", "--from", s.tree.string(), "--name", "hello", "--pkgver", "1.0",
                                  "--release", "2", "--arch", "x86_64", "--depends", "musl>=1.2",
                                  "--conf-file", "etc/hello.conf", "-o", output.empty() ? s.dir.path() : output};
    args.insert(args.end(), extra.begin(), extra.end());
    pkgtest::ProcessOptions options;
    options.set_env["SOURCE_DATE_EPOCH"] = "1700000000";
    return pkgtest::run_pkg(args, options);
}

TEST(PackageCommands, CreateWritesTheStandardNameAndInspectShowsIt) {
    Staged s;
    auto r = create(s);
    ASSERT_EQ(r.status, 0) << r.err;
    std::string file = s.dir.path() + "/hello-1.0-2-x86_64.pkg.tar.zst";
    EXPECT_EQ(r.out, file + "\n");
    auto shown = pkgtest::run_pkg({"inspect", file});
    ASSERT_EQ(shown.status, 0) << shown.err;
    EXPECT_NE(shown.out.find("Version     : 1.0-2\n"), std::string::npos) << shown.out;
    EXPECT_NE(shown.out.find("Depends     : musl>=1.2\n"), std::string::npos) << shown.out;
    EXPECT_NE(shown.out.find("  file     0644         14  etc/hello.conf  (config)\n"), std::string::npos) << shown.out;
    EXPECT_NE(shown.out.find("  symlink  0777          0  usr/bin/hi -> hello\n"), std::string::npos) << shown.out;
    EXPECT_EQ(shown.out.find("Verified"), std::string::npos);
    auto verified = pkgtest::run_pkg({"inspect", "--verify", file});
    EXPECT_EQ(verified.status, 0) << verified.err;
    EXPECT_NE(verified.out.find("Verified    : every member's"), std::string::npos);
}

TEST(PackageCommands, JsonOutputs) {
    Staged s;
    auto r = create(s, {"--json", "--provides", "greeter"});
    ASSERT_EQ(r.status, 0) << r.err;
    auto created = nlohmann::json::parse(r.out);
    EXPECT_EQ(created["manifest"]["name"], "hello");
    EXPECT_EQ(created["manifest"]["provides"], nlohmann::json({"greeter"}));
    EXPECT_EQ(created["manifest"]["source-date-epoch"], 1700000000);
    auto shown = pkgtest::run_pkg({"--json", "inspect", "--verify", created["file"]});
    ASSERT_EQ(shown.status, 0) << shown.err;
    auto j = nlohmann::json::parse(shown.out);
    EXPECT_EQ(j["packages"][0]["verified"], true);
    EXPECT_EQ(j["packages"][0]["manifest"], created["manifest"]);
}

TEST(PackageCommands, ProgressIsReportedAsEvents) {
    Staged s;
    auto r = create(s, {"--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    std::istringstream lines(r.err);
    std::string line, last;
    int events = 0;
    while (std::getline(lines, line)) {
        auto j = nlohmann::json::parse(line);
        EXPECT_EQ(j["event"], "progress");
        ++events;
        last = line;
    }
    ASSERT_GE(events, 2);
    auto j = nlohmann::json::parse(last);
    EXPECT_EQ(j["finished"], true);
    EXPECT_EQ(j["done"], 35);  // the bytes of both files
    EXPECT_EQ(j["total"], 35);
    auto piped = pkgtest::run_pkg({"inspect", "--verify", nlohmann::json::parse(r.out)["file"]});
    EXPECT_NE(piped.err.find("hello-1.0-2-x86_64.pkg.tar.zst: 35 B\n"), std::string::npos) << piped.err;
}

TEST(PackageCommands, SameTreeTwiceGivesTheSameBytes) {
    Staged s;
    pkgtest::ScratchDir other;
    ASSERT_EQ(create(s, {}, other.path() + "/a.pkg.tar.zst").status, 0);
    ASSERT_EQ(create(s, {}, other.path() + "/b.pkg.tar.zst").status, 0);
    auto cmp = pkgtest::run_process({"/usr/bin/cmp", other.path() + "/a.pkg.tar.zst", other.path() + "/b.pkg.tar.zst"});
    EXPECT_EQ(cmp.status, 0) << cmp.out;
}

TEST(PackageCommands, DigestMismatchExitsSevenOtherRefusalsOne) {
    Staged s;
    ASSERT_EQ(create(s).status, 0);
    std::string file = s.dir.path() + "/hello-1.0-2-x86_64.pkg.tar.zst";
    // Rebuild with other content under the same manifest: swap the package's
    // file for one made from a tree whose hello differs in content, not size.
    Staged t;
    std::ofstream(t.tree / "usr/bin/hello") << "#!/bin/sh\necho HELLO\n";
    chmod((t.tree / "usr/bin/hello").c_str(), 0755);
    ASSERT_EQ(create(t).status, 0);
    std::string other = t.dir.path() + "/hello-1.0-2-x86_64.pkg.tar.zst";
    // Same manifest except the digest: the reader must catch the content.
    auto extract = [](const std::string& f, const std::string& to) {
        return pkgtest::run_process({"/usr/bin/tar", "--zstd", "-xf", f, "-C", to});
    };
    pkgtest::ScratchDir a, b;
    ASSERT_EQ(extract(file, a.path()).status, 0);
    ASSERT_EQ(extract(other, b.path()).status, 0);
    fs::copy_file(fs::path(a.path()) / "+MANIFEST", fs::path(b.path()) / "+MANIFEST",
                  fs::copy_options::overwrite_existing);
    std::string tampered = s.dir.path() + "/tampered.pkg.tar.zst";
    auto pack = pkgtest::run_process({"/usr/bin/tar", "--zstd", "--format=posix", "--owner=0", "--group=0",
                                      "--numeric-owner", "--mtime=@0", "--pax-option=delete=atime,delete=ctime", "--no-recursion", "-cf", tampered, "-C",
                                      b.path(), "+MANIFEST", "etc", "etc/hello.conf", "usr", "usr/bin",
                                      "usr/bin/hello", "usr/bin/hi"});
    ASSERT_EQ(pack.status, 0) << pack.err;
    auto r = pkgtest::run_pkg({"inspect", "--verify", tampered});
    EXPECT_EQ(r.status, 7) << r.err;
    EXPECT_NE(r.err.find("member 'usr/bin/hello': sha256 mismatch: expected "), std::string::npos) << r.err;
    auto plain = pkgtest::run_pkg({"inspect", "--verify", s.tree.string() + "/usr/bin/hello"});
    EXPECT_EQ(plain.status, 1) << plain.err;
    EXPECT_NE(plain.err.find("corrupt or truncated package"), std::string::npos) << plain.err;
    auto json = pkgtest::run_pkg({"--json", "inspect", "--verify", tampered});
    EXPECT_EQ(nlohmann::json::parse(json.out)["error"]["kind"], "verification");
}

TEST(PackageCommands, CreateUsageErrors) {
    Staged s;
    auto missing = pkgtest::run_pkg({"create", "--name", "x", "--pkgver", "1", "-o", s.dir.path()});
    EXPECT_EQ(missing.status, 2);
    EXPECT_NE(missing.err.find("--from is required"), std::string::npos) << missing.err;
    auto bad_version = pkgtest::run_pkg({"create", "--from", s.tree.string(), "--name", "x", "--pkgver", "1-2",
                                         "-o", s.dir.path()});
    EXPECT_EQ(bad_version.status, 2) << bad_version.err;
    auto bad_arch = pkgtest::run_pkg({"create", "--from", s.tree.string(), "--name", "x", "--pkgver", "1",
                                      "--arch", "sparc", "-o", s.dir.path()});
    EXPECT_EQ(bad_arch.status, 2);
    EXPECT_NE(bad_arch.err.find("unknown architecture 'sparc'"), std::string::npos) << bad_arch.err;
    pkgtest::ProcessOptions bad_epoch;
    bad_epoch.set_env["SOURCE_DATE_EPOCH"] = "yesterday";
    auto r = pkgtest::run_pkg({"create", "--from", s.tree.string(), "--name", "x", "--pkgver", "1", "-o",
                               s.dir.path()}, bad_epoch);
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("SOURCE_DATE_EPOCH"), std::string::npos);
}

}  // namespace
