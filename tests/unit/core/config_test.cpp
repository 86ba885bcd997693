#include "pkg/config.hpp"

#include <gtest/gtest.h>

#include "pkg/error.hpp"
#include "support/process.hpp"

namespace {

using pkgtest::ScratchDir;

pkg::ConfigSources sources_in(const ScratchDir& dir) {
    pkg::ConfigSources s;
    s.working_directory = dir.path();
    return s;
}

TEST(Config, DefaultsApplyWithoutAFile) {
    ScratchDir dir;
    auto s = sources_in(dir);
    s.default_file = dir.path() + "/missing.conf";
    pkg::Config c = pkg::load_config(s);
    EXPECT_EQ(c.root, "/");
    ASSERT_EQ(c.ports.size(), 1u);
    EXPECT_EQ(c.ports[0], "/usr/ports");
    EXPECT_GE(c.jobs, 1u);
    EXPECT_FALSE(c.file);
    EXPECT_EQ(c.origin.at("root"), "default");
}

TEST(Config, FileOverridesDefaultsAndPathsAreRelativeToIt) {
    ScratchDir dir;
    std::string file = dir.write("etc/pkg.conf",
                                 "# comment\n\nroot = /mnt/target\nports = ../ports /abs/overlay\n"
                                 "jobs = 3\nassume-installed = sh cc  make\nprovider.sh = busybox\n"
                                 "color = never\n");
    auto s = sources_in(dir);
    s.config_file = file;
    pkg::Config c = pkg::load_config(s);
    EXPECT_EQ(c.root, "/mnt/target");
    ASSERT_EQ(c.ports.size(), 2u);
    EXPECT_EQ(c.ports[0], dir.path() + "/ports");
    EXPECT_EQ(c.ports[1], "/abs/overlay");
    EXPECT_EQ(c.jobs, 3u);
    EXPECT_EQ(c.assume_installed, (std::vector<std::string>{"sh", "cc", "make"}));
    EXPECT_EQ(c.providers.at("sh"), "busybox");
    EXPECT_EQ(c.color, pkg::ColorMode::never);
    EXPECT_EQ(c.origin.at("jobs"), file + ":5");
    EXPECT_EQ(c.origin.at("provider.sh"), file + ":7");
}

TEST(Config, EnvironmentOverridesFileAndCommandLineOverridesBoth) {
    ScratchDir dir;
    std::string file = dir.write("pkg.conf", "root = /from-file\njobs = 2\nports = /file-ports\n");
    auto s = sources_in(dir);
    s.config_file = file;
    s.environment = {{"PKGMGR_ROOT", "/from-env"}, {"PKGMGR_JOBS", "5"},
                     {"PKGMGR_PORTS", "/a:rel"}};
    s.command_line["root"] = {"/from-cli"};
    pkg::Config c = pkg::load_config(s);
    EXPECT_EQ(c.root, "/from-cli");
    EXPECT_EQ(c.origin.at("root"), "command line");
    EXPECT_EQ(c.jobs, 5u);
    EXPECT_EQ(c.origin.at("jobs"), "environment (PKGMGR_JOBS)");
    ASSERT_EQ(c.ports.size(), 2u);
    EXPECT_EQ(c.ports[1], dir.path() + "/rel");
}

TEST(Config, EnvironmentNamesTheConfigFileButCommandLineWins) {
    ScratchDir dir;
    std::string env_file = dir.write("env.conf", "root = /env-file\n");
    std::string cli_file = dir.write("cli.conf", "root = /cli-file\n");
    auto s = sources_in(dir);
    s.environment = {{"PKGMGR_CONFIG", env_file}};
    EXPECT_EQ(pkg::load_config(s).root, "/env-file");
    s.config_file = cli_file;
    EXPECT_EQ(pkg::load_config(s).root, "/cli-file");
}

TEST(Config, CommandLinePortsAreOverlaysInOrder) {
    ScratchDir dir;
    auto s = sources_in(dir);
    s.command_line["ports"] = {"first", "/second:/third"};
    pkg::Config c = pkg::load_config(s);
    ASSERT_EQ(c.ports.size(), 3u);
    EXPECT_EQ(c.ports[0], dir.path() + "/first");
    EXPECT_EQ(c.ports[2], "/third");
}

struct BadFile {
    const char* text;
    int line;
    const char* fragment;
};

class ConfigBadFile : public ::testing::TestWithParam<BadFile> {};

TEST_P(ConfigBadFile, IsRefusedNamingFileAndLine) {
    const BadFile& bad = GetParam();
    ScratchDir dir;
    std::string file = dir.write("pkg.conf", bad.text);
    auto s = sources_in(dir);
    s.config_file = file;
    try {
        pkg::load_config(s);
        FAIL() << "accepted: " << bad.text;
    } catch (const pkg::FileError& e) {
        EXPECT_EQ(e.file(), file);
        EXPECT_EQ(e.line(), bad.line);
        std::string what = e.what();
        EXPECT_EQ(what.rfind(file + ":" + std::to_string(bad.line) + ": ", 0), 0u) << what;
        EXPECT_NE(what.find(bad.fragment), std::string::npos) << what;
    }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ConfigBadFile,
    ::testing::Values(BadFile{"root = /\nbogus = 1\n", 2, "unknown key 'bogus'"},
                      BadFile{"root /\n", 1, "expected 'key = value'"},
                      BadFile{"jobs = 2\n\njobs = 3\n", 3, "set again (first set on line 1)"},
                      BadFile{"jobs = many\n", 1, "'jobs' must be a number"},
                      BadFile{"jobs = -1\n", 1, "'jobs' must be a number"},
                      BadFile{"jobs = 99999\n", 1, "'jobs' must be a number"},
                      BadFile{"color = purple\n", 1, "auto, always or never"},
                      BadFile{"sync = often\n", 1, "syncfs or fdatasync"},
                      BadFile{"root = /a /b\n", 1, "exactly one value"},
                      BadFile{"root =\n", 1, "exactly one value"},
                      BadFile{"ports =\n", 1, "at least one directory"},
                      BadFile{"= 3\n", 1, "missing key"},
                      BadFile{"provider.sh = a b\n", 1, "must name one port"},
                      BadFile{"provider. = a\n", 1, "must name one port"}));

TEST(Config, BadEnvironmentValueIsAUsageErrorNamingTheVariable) {
    ScratchDir dir;
    auto s = sources_in(dir);
    s.environment = {{"PKGMGR_JOBS", "lots"}};
    try {
        pkg::load_config(s);
        FAIL();
    } catch (const pkg::Error& e) {
        EXPECT_EQ(e.kind(), pkg::ErrorKind::usage);
        EXPECT_NE(std::string(e.what()).find("PKGMGR_JOBS"), std::string::npos) << e.what();
    }
}

TEST(Config, MissingExplicitFileIsAnError) {
    ScratchDir dir;
    auto s = sources_in(dir);
    s.config_file = dir.path() + "/nope.conf";
    try {
        pkg::load_config(s);
        FAIL();
    } catch (const pkg::SystemError& e) {
        EXPECT_NE(std::string(e.what()).find("nope.conf"), std::string::npos);
        EXPECT_EQ(e.error_number(), ENOENT);
    }
}

TEST(Config, ValuesPrintInFileForm) {
    ScratchDir dir;
    auto s = sources_in(dir);
    s.command_line["ports"] = {"/a:/b"};
    pkg::Config c = pkg::load_config(s);
    EXPECT_EQ(pkg::config_value(c, "ports"), "/a /b");
    EXPECT_EQ(pkg::config_value(c, "color"), "auto");
    EXPECT_EQ(pkg::config_value(c, "sync"), "syncfs");
    EXPECT_THROW(pkg::config_value(c, "nope"), pkg::Error);
}

}  // namespace
