// pkg config: the configuration in effect, with precedence across layers.

#include "pkg/config.hpp"
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace {

using pkgtest::run_pkg;

TEST(ConfigCommand, ShowsEveryKeyWithOrigins) {
    pkgtest::ScratchDir dir;
    std::string file = dir.write("etc/pkg.conf", "ports = ../ports\njobs = 4\nprovider.sh = busybox\n");
    pkgtest::ProcessOptions env;
    env.set_env["PKGMGR_JOBS"] = "6";
    auto r = run_pkg({"--config", file, "--root", "/mnt", "config", "--origin"}, env);
    ASSERT_EQ(r.status, 0) << r.err;
    std::string expected = "root = /mnt  # command line\n"
                           "ports = " + dir.path() + "/ports  # " + file + ":1\n"
                           "cache-dir = /var/cache/pkg/distfiles  # default\n"
                           "packages-dir = /var/cache/pkg/packages  # default\n"
                           "build-dir = /var/tmp/pkg  # default\n"
                           "profiles-dir = /usr/share/pkg/profiles  # default\n"
                           "jobs = 6  # environment (PKGMGR_JOBS)\n"
                           "assume-installed =   # default\n"
                           "color = auto  # default\n"
                           "sync = syncfs  # default\n"
                           "mirrors =   # default\n"
                           "fetch-connect-timeout = 10  # default\n"
                           "fetch-low-speed-time = 15  # default\n"
                           "fetch-low-speed-limit = 1000  # default\n"
                           "fetch-retries = 2  # default\n"
                           "fetch-backoff = 1  # default\n"
                           "fetch-deadline = 120  # default\n"
                           "fetch-max-size = 4G  # default\n"
                           "debian-sources =   # default\n"
                           "target = " + pkg::build_triplet() + "  # default\n"
                           "cflags = -O2 -pipe  # default\n"
                           "cxxflags = -O2 -pipe  # default\n"
                           "ldflags =   # default\n"
                           "build-timeout = 0  # default\n"
                           "provider.sh = busybox  # " + file + ":3\n";
    EXPECT_EQ(r.out, expected);
}

TEST(ConfigCommand, NamedKeysPrintValuesAlone) {
    auto r = run_pkg({"--ports", "/a", "--ports", "/b", "config", "ports", "root"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "/a /b\n/\n");
}

TEST(ConfigCommand, FetchSettingsAreCheckedWithTheirLine) {
    pkgtest::ScratchDir dir;
    std::string file = dir.write("pkg.conf", "fetch-retries = 3\nfetch-max-size = 64M\nfetch-deadline = soon\n");
    auto r = run_pkg({"--config", file, "config"});
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_EQ(r.err, "error: " + file + ":3: 'fetch-deadline' must be a number of seconds from 0 to 86400, got 'soon'\n");
    file = dir.write("pkg.conf", "fetch-max-size = 4Q\n");
    r = run_pkg({"--config", file, "config"});
    EXPECT_NE(r.err.find(":1: 'fetch-max-size' must be a size in bytes, optionally with K, M, G or T, got '4Q'"),
              std::string::npos)
        << r.err;
    file = dir.write("pkg.conf", "fetch-max-size = 64M\nmirrors = http://a/ http://b/\n");
    r = run_pkg({"--config", file, "config", "fetch-max-size", "mirrors"});
    EXPECT_EQ(r.out, "64M\nhttp://a/ http://b/\n");
}

TEST(ConfigCommand, UnknownKeyIsAUsageError) {
    auto r = run_pkg({"config", "nope"});
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.err, "error: unknown configuration key 'nope'\n");
}

TEST(ConfigCommand, JsonHasFileValuesAndOrigins) {
    pkgtest::ScratchDir dir;
    std::string file = dir.write("pkg.conf", "assume-installed = sh cc\n");
    auto r = run_pkg({"--json", "--config", file, "config"});
    ASSERT_EQ(r.status, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["file"], file);
    EXPECT_EQ(j["settings"]["assume-installed"]["value"], nlohmann::json({"sh", "cc"}));
    EXPECT_EQ(j["settings"]["assume-installed"]["origin"], file + ":1");
    EXPECT_TRUE(j["settings"]["jobs"]["value"].is_number());
    EXPECT_TRUE(j["settings"]["ports"]["value"].is_array());
}

TEST(ConfigCommand, BundledConfigIsValid) {
    auto r = run_pkg({"--config", pkgtest::source_dir() + "/etc/pkg.conf", "config"});
    EXPECT_EQ(r.status, 0) << r.err;
}

}  // namespace
