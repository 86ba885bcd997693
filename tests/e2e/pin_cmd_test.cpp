// pkg checksum and pkg bump against a real HTTP server on 127.0.0.1 and a
// local Debian source repository made with dpkg-source: digests pinned,
// versions moved, Debian's alternative found, and the rest of port.json
// kept byte for byte.

#include <gtest/gtest.h>

#include <ctime>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "pkg/digest.hpp"
#include "support/debian_repo.hpp"
#include "support/fetch_server.hpp"
#include "support/process.hpp"

namespace {
namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const fs::path& path, const std::string& content) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
}

// Upstream's tarballs on the HTTP server, Debian's in the local repository
// (1.0-1 and 2.0-1 of pkgtest-hello, whose origs are upstream's files).
class Pin : public ::testing::Test {
protected:
    pkgtest::ScratchDir scratch;
    fs::path dir = scratch.path();
    fs::path conf = dir / "pkg.conf";
    fs::path manifest = dir / "ports" / "core" / "hello" / "port.json";
    pkgtest::DebianRepo repo = pkgtest::make_debian_repo(scratch.path(), "pkgtest-hello", {"1.0-1", "2.0-1"});
    std::unique_ptr<pkgtest::FetchServer> server;

    void SetUp() override {
        for (const char* v : {"1.0", "2.0"}) {
            fs::create_directories(dir / "files");
            fs::copy_file(repo.tarball[v], dir / "files" / (std::string("hello-") + v + ".tar.gz"));
        }
        server = std::make_unique<pkgtest::FetchServer>((dir / "files").string());
        write_file(conf, "ports = ports\ncache-dir = cache\nfetch-connect-timeout = 30\nfetch-backoff = 0\n"
                         "debian-sources = " + repo.sources_list + "\n");
    }

    pkgtest::ProcessResult pkg(std::vector<std::string> args) {
        args.insert(args.begin(), {"--config", conf.string()});
        return pkgtest::run_pkg(args);
    }

    // A manifest in a layout of its own (odd spacing, one-line objects),
    // which the tools must keep.
    std::string port_text(const std::string& version, const std::string& pins, const std::string& debian) {
        return "{\n  \"name\": \"hello\",\n  \"version\":   \"" + version + "\",\n  \"release\": 3,\n"
               "  \"summary\": \"Says hello\",\n  \"license\": \"MIT\",\n"
               "  \"sources\": [\n    {\n      \"url\": \"" + server->url("/files/hello-{version}.tar.gz") + "\"" +
               pins + ",\n      \"alternatives\": [\n        {\"debian\": " + debian + "}\n      ]\n    }\n  ],\n"
               "  \"build\": {\"style\": \"make\"}\n}\n";
    }
    std::string debian(const std::string& version, const std::string& upstream, const std::string& pins = "") {
        return "{\"source\": \"pkgtest-hello\", \"version\": \"" + version + "\", \"file\": \"pkgtest-hello_" +
               upstream + ".orig.tar.gz\"}" + pins;
    }
    std::string pins(const std::string& upstream, bool own_line) {
        std::string sha = "\"sha256\": \"" + repo.orig_sha256[upstream] + "\"";
        std::string size = "\"size\": " + std::to_string(repo.orig_size[upstream]);
        return own_line ? ",\n      " + sha + ",\n      " + size : ", " + sha + ", " + size;
    }
};

TEST_F(Pin, ChecksumPinsEveryArtifactAndKeepsTheRestOfTheText) {
    // No digests yet: the maintainer's new port.
    write_file(manifest, port_text("1.0", "", debian("1.0-1", "1.0")));
    auto r = pkg({"checksum", "hello"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(read_file(manifest), port_text("1.0", pins("1.0", true), debian("1.0-1", "1.0", pins("1.0", false))));
    r = pkg({"lint", "hello"});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    // Pinned again: nothing changes.
    r = pkg({"checksum", "hello"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out.find("(pinned)"), std::string::npos) << r.out;
}

TEST_F(Pin, ChecksumRefusesADifferentDigestWithoutForce) {
    std::string wrong = ",\n      \"sha256\": \"" + std::string(64, 'a') + "\"";
    std::string text = port_text("1.0", wrong, debian("1.0-1", "1.0"));
    write_file(manifest, text);
    auto r = pkg({"checksum", "hello"});
    EXPECT_EQ(r.status, 7) << r.err;
    EXPECT_NE(r.err.find("pinned sha256 " + std::string(64, 'a')), std::string::npos) << r.err;
    EXPECT_EQ(read_file(manifest), text);  // nothing written
    r = pkg({"checksum", "--force", "hello"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(read_file(manifest), port_text("1.0", ",\n      \"sha256\": \"" + repo.orig_sha256["1.0"] + "\",\n      \"size\": " +
                                                        std::to_string(repo.orig_size["1.0"]),
                                             debian("1.0-1", "1.0", pins("1.0", false))));
}

TEST_F(Pin, BumpMovesVersionFindsDebiansFileAndPinsEverything) {
    write_file(manifest, port_text("1.0", pins("1.0", true), debian("1.0-1", "1.0", pins("1.0", false))));
    long long before = static_cast<long long>(std::time(nullptr));
    auto r = pkg({"bump", "hello", "2.0"});
    long long after = static_cast<long long>(std::time(nullptr));
    ASSERT_EQ(r.status, 0) << r.err;
    std::string expected = port_text("2.0", pins("2.0", true), debian("2.0-1", "2.0", pins("2.0", false)));
    expected.replace(expected.find("\"release\": 3"), 12, "\"release\": 1");
    // The bump pins its own time as the builds' SOURCE_DATE_EPOCH, after the
    // port's leading members.
    std::string text = read_file(manifest);
    auto at = text.find("\"source-date-epoch\": ");
    ASSERT_NE(at, std::string::npos) << text;
    long long epoch = std::stoll(text.substr(at + 21));
    EXPECT_GE(epoch, before);
    EXPECT_LE(epoch, after);
    expected.insert(expected.find("  \"sources\""), "  \"source-date-epoch\": " + std::to_string(epoch) + ",\n");
    EXPECT_EQ(text, expected);
    EXPECT_NE(r.out.find("hello 1.0-3 -> 2.0-1\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("debian pkgtest-hello: 1.0-1 pkgtest-hello_1.0.orig.tar.gz -> 2.0-1 pkgtest-hello_2.0.orig.tar.gz\n"),
              std::string::npos)
        << r.out;
    // The bumped port fetches from a clean cache, through Debian when upstream is gone.
    fs::remove_all(dir / "cache");
    fs::remove(dir / "files" / "hello-2.0.tar.gz");
    r = pkg({"--json", "fetch", "hello"});
    ASSERT_EQ(r.status, 0) << r.err;
    auto doc = nlohmann::json::parse(r.out);
    EXPECT_EQ(doc["sources"][0]["alternative"], 0);
    EXPECT_EQ(doc["sources"][0]["sha256"], repo.orig_sha256["2.0"]);
}

TEST_F(Pin, BumpToAVersionDebianLacksChangesNothing) {
    std::string text = port_text("1.0", pins("1.0", true), debian("1.0-1", "1.0", pins("1.0", false)));
    write_file(manifest, text);
    write_file(dir / "files" / "hello-3.0.tar.gz", "three");
    auto r = pkg({"bump", "hello", "3.0"});
    EXPECT_EQ(r.status, 7) << r.err;
    EXPECT_NE(r.err.find("Debian lists no version of pkgtest-hello for hello 3.0 (listed: 2.0-1, 1.0-1)"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(read_file(manifest), text);
}

TEST_F(Pin, BumpPutsTheOldTextBackWhenADownloadFails) {
    std::string text = port_text("1.0", pins("1.0", true), debian("1.0-1", "1.0", pins("1.0", false)));
    write_file(manifest, text);
    fs::remove(dir / "files" / "hello-2.0.tar.gz");
    auto r = pkg({"bump", "hello", "2.0"});
    EXPECT_EQ(r.status, 7) << r.err;
    EXPECT_NE(r.err.find("HTTP 404"), std::string::npos) << r.err;
    EXPECT_EQ(read_file(manifest), text);
}

}  // namespace
