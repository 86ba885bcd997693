// Runs the real pkg binary: options, output, JSON, exit codes.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace {

using pkgtest::run_pkg;

TEST(Cli, HelpListsGlobalOptionsAndCommandsGolden) {
    auto r = run_pkg({"--help"});
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.err, "");
    EXPECT_EQ("", pkgtest::check_golden("help.txt", r.out));
}

TEST(Cli, CommandHelpExitsZero) {
    auto r = run_pkg({"vercmp", "--help"});
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.out.find("Compare two versions"), std::string::npos) << r.out;
}

TEST(Cli, VersionPrintsNameAndVersion) {
    auto r = run_pkg({"--version"});
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.out, std::string("pkg ") + PKG_VERSION + "\n");
}

TEST(Cli, VersionAsJson) {
    auto r = run_pkg({"--json", "--version"});
    EXPECT_EQ(r.status, 0);
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["name"], "pkg");
    EXPECT_EQ(j["version"], PKG_VERSION);
}

struct VercmpCase {
    const char* a;
    const char* b;
    const char* out;
};

class CliVercmp : public ::testing::TestWithParam<VercmpCase> {};

TEST_P(CliVercmp, PrintsMinusOneZeroOrOne) {
    auto r = run_pkg({"vercmp", GetParam().a, GetParam().b});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, GetParam().out);
}

INSTANTIATE_TEST_SUITE_P(Cases, CliVercmp,
                         ::testing::Values(VercmpCase{"1.0", "1.1", "-1\n"},
                                           VercmpCase{"1.0", "1_0", "0\n"},
                                           VercmpCase{"1.0~rc1", "1.0", "1\n"},
                                           VercmpCase{"1:0.1", "2.0-3", "1\n"}));

TEST(Cli, VercmpJsonIsOneDocument) {
    auto r = run_pkg({"vercmp", "--json", "1.0", "1..0"});
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ("", pkgtest::check_golden("vercmp.json", r.out));
}

TEST(Cli, InvalidVersionIsAUsageError) {
    auto r = run_pkg({"vercmp", "1.0-1-1", "1"});
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "error: invalid version '1.0-1-1': version '1.0-1' contains '-' (the release separator)\n");
}

struct UsageCase {
    std::vector<std::string> args;
    const char* fragment;
};

void PrintTo(const UsageCase& c, std::ostream* os) {
    *os << "pkg";
    for (const auto& a : c.args) *os << ' ' << a;
}

class CliUsage : public ::testing::TestWithParam<UsageCase> {};

TEST_P(CliUsage, ExitsTwoWithAMessage) {
    auto r = run_pkg(GetParam().args);
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_NE(r.err.find(GetParam().fragment), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("hint: see 'pkg --help'"), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CliUsage,
    ::testing::Values(UsageCase{{}, "no command given"},
                      UsageCase{{"--bogus"}, "--bogus"},
                      UsageCase{{"frobnicate"}, "error: The following argument was not expected: frobnicate\n"},
                      UsageCase{{"vercmp", "1"}, "error: B is required\n"},
                      UsageCase{{"vercmp", "1", "2", "3"}, "error: The following argument was not expected: 3\n"},
                      UsageCase{{"--root"}, "--root"}));

TEST(Cli, UsageErrorAsJsonIsAnErrorObjectOnStdout) {
    auto r = run_pkg({"--json", "vercmp", "1"});
    EXPECT_EQ(r.status, 2);
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["error"]["kind"], "usage");
    EXPECT_EQ(j["error"]["exit"], 2);
    EXPECT_EQ(j["error"]["hint"], "see 'pkg --help'");
    EXPECT_EQ(r.err, "");
}

TEST(Cli, GlobalOptionsWorkAfterTheCommand) {
    auto r = run_pkg({"vercmp", "1", "2", "--json", "-v", "--root", "/tmp"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out)["result"], -1);
}

TEST(Cli, BadConfigFileNamesFileAndLineAndExitsOne) {
    pkgtest::ScratchDir dir;
    std::string file = dir.write("pkg.conf", "root = /\nrot = /x\n");
    auto r = run_pkg({"--config", file, "vercmp", "1", "2"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "error: " + file + ":2: unknown key 'rot'\n");
    auto j = run_pkg({"--json", "--config", file, "config"});
    EXPECT_EQ(j.status, 1);
    EXPECT_EQ(nlohmann::json::parse(j.out)["error"]["message"], file + ":2: unknown key 'rot'");
}

TEST(Cli, ColourFollowsConfigAndNoColor) {
    pkgtest::ScratchDir dir;
    std::string file = dir.write("pkg.conf", "color = always\n");
    pkgtest::ProcessOptions colored;
    colored.set_env["NO_COLOR"] = "";
    auto r = run_pkg({"--config", file, "vercmp", "x-y", "1"}, colored);
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.err.rfind("\x1b[1;31merror:\x1b[0m ", 0), 0u) << r.err;
    auto plain = run_pkg({"--config", file, "vercmp", "x-y", "1"});  // NO_COLOR=1
    EXPECT_EQ(plain.err.rfind("error: ", 0), 0u) << plain.err;
}

}  // namespace

namespace {

TEST(Cli, ARemovedWorkingDirectoryIsAnErrorNotACrash) {
    pkgtest::ScratchDir dir;
    std::string gone = dir.path() + "/gone";
    std::filesystem::create_directory(gone);
    auto r = pkgtest::run_process({"/bin/sh", "-c", "cd \"$1\" && rmdir \"$1\" && exec \"$2\" search zlib", "sh", gone,
                                   pkgtest::pkg_binary()});
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_NE(r.err.find("error: cannot find the working directory: No such file or directory"), std::string::npos)
        << r.err;
}

}  // namespace

namespace {

TEST(Cli, HostileNamesInTheTreeAndStagedTreeAreEscapedInText) {
    pkgtest::ScratchDir dir;
    std::string category = "co\x1b]0;t\x07re\nx";
    dir.write("ports/" + category + "/a/port.json",
              R"({"name": "a", "version": "1", "summary": "s", "license": "MIT", "build": {"style": "make"}})");
    auto r = pkgtest::run_pkg({"--ports", dir.path() + "/ports", "search", "a"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "co\\x1b]0;t\\x07re\\x0ax/a 1-1\n    s\n");
    auto j = pkgtest::run_pkg({"--json", "--ports", dir.path() + "/ports", "search", "a"});
    EXPECT_EQ(nlohmann::json::parse(j.out)["results"][0]["category"], category);

    std::string staged = dir.path() + "/staged";
    std::filesystem::create_directories(staged);
    std::ofstream(staged + "/evil\x1b[2J\nname") << "x";
    r = pkgtest::run_pkg({"create", "--from", staged, "--name", "a", "--pkgver", "1", "-o", dir.path()});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("evil\\x1b[2J\\x0aname"), std::string::npos) << r.err;
}

}  // namespace

namespace {

TEST(Cli, AnEmptyValueWithEqualsDoesNotSwallowTheNextArgument) {
    auto r = pkgtest::run_pkg({"--root=", "config", "root"});
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.err, "error: --root: 'root' takes exactly one value, got 0\n");
    r = pkgtest::run_pkg({"--root=/srv/target", "config", "root"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "/srv/target\n");
    r = pkgtest::run_pkg({"--config=", "config", "root"});
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.err, "error: --config: an empty file name\n");
}

TEST(Cli, TheCommandLineWinsAndMeansWhatTheEnvironmentMeans) {
    pkgtest::ProcessOptions env;
    env.set_env["PKGMGR_ROOT"] = "/from/environment";
    // An explicit empty --root is not silently dropped in favour of the environment.
    auto r = pkgtest::run_pkg({"--root", "", "config", "root"}, env);
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.err, "error: --root: 'root' takes exactly one value, got 0\n");
    r = pkgtest::run_pkg({"--root", "/from/command/line", "config", "root"}, env);
    EXPECT_EQ(r.out, "/from/command/line\n");
    // A value with a space is refused from both, as pkg.conf(5) says.
    r = pkgtest::run_pkg({"--root", "/a b", "config", "root"});
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.err, "error: --root: 'root' takes exactly one value, got 2\n");
    pkgtest::ProcessOptions spaced;
    spaced.set_env["PKGMGR_ROOT"] = "/a b";
    r = pkgtest::run_pkg({"config", "root"}, spaced);
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.err, "error: environment variable PKGMGR_ROOT: 'root' takes exactly one value, got 2\n");
}

TEST(Cli, JobsShowsTheSettingAndWhatItMeans) {
    pkgtest::ScratchDir dir;
    std::string conf = dir.write("pkg.conf", "ports = ports\n");
    auto r = pkgtest::run_pkg({"--config", conf, "config", "jobs"});
    EXPECT_EQ(r.out, "0\n");  // pkg.conf(5): the default is 0, one job per CPU
    r = pkgtest::run_pkg({"--config", conf, "--json", "config", "jobs"});
    auto jobs = nlohmann::json::parse(r.out)["settings"]["jobs"];
    EXPECT_EQ(jobs["value"], 0);
    EXPECT_EQ(jobs["effective"], static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)));
    std::string four = dir.write("four.conf", "ports = ports\njobs = 4\n");
    r = pkgtest::run_pkg({"--config", four, "--json", "config", "jobs"});
    EXPECT_EQ(nlohmann::json::parse(r.out)["settings"]["jobs"]["effective"], 4);
}

}  // namespace
