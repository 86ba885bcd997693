// The bundled ports tree and profiles, through the bundled configuration,
// exactly as README's main command uses them.

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/process.hpp"

namespace {

pkgtest::ProcessResult run_bundled(const std::vector<std::string>& args) {
    std::vector<std::string> all{"--config", "etc/pkg.conf"};
    all.insert(all.end(), args.begin(), args.end());
    pkgtest::ProcessOptions options;
    options.cwd = pkgtest::source_dir();
    return pkgtest::run_pkg(all, options);
}

TEST(BundledPorts, LintPassesWithOnlyTheDebianOnlyWarning) {
    auto r = run_bundled({"lint"});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(r.out,
              "ports/devel/tcc/port.json:10:5: warning: source "
              "'tcc-0.9.27+git20200814.62c30a4a.tar.bz2' is reachable only through Debian's copy\n");
    EXPECT_NE(r.err.find("6 ports checked: 0 errors, 1 warning"), std::string::npos) << r.err;
}

TEST(BundledPorts, SeedProfileBuildOrderGolden) {
    auto r = run_bundled({"deps", "--profile", "seed", "--order"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ("", pkgtest::check_golden("seed-order.txt", r.out));
    auto stage = run_bundled({"--json", "deps", "--profile", "seed", "--stage", "1", "--order"});
    EXPECT_EQ(stage.status, 0) << stage.err;
    auto order = nlohmann::json::parse(stage.out)["order"];
    ASSERT_FALSE(order.empty());
    EXPECT_EQ(order[0]["name"], "linux-headers");
}

TEST(BundledPorts, EveryPortShowsAndHashesAsJson) {
    auto r = run_bundled({"--json", "show", "linux-headers", "musl", "zlib", "busybox", "make", "tcc"});
    ASSERT_EQ(r.status, 0) << r.err;
    auto ports = nlohmann::json::parse(r.out)["ports"];
    ASSERT_EQ(ports.size(), 6u);
    for (const auto& p : ports) {
        EXPECT_EQ(p["hash"].get<std::string>().size(), 64u) << p["name"];
        EXPECT_FALSE(p["sources"].empty()) << p["name"];
    }
    EXPECT_EQ(ports[4]["sources"][0]["alternatives"][0]["prepare"], "autoreconf -fi");
}

TEST(BundledPorts, PortHashFollowsBuildDependencies) {
    // Changing musl's manifest must change the hash of zlib, which builds against it.
    pkgtest::ScratchDir dir;
    auto copy = pkgtest::run_process({"/bin/cp", "-r", pkgtest::source_dir() + "/ports", dir.path() + "/ports"});
    ASSERT_EQ(copy.status, 0) << copy.err;
    std::string config = dir.write("pkg.conf", "assume-installed = cc make\n");
    auto hashes = [&] {
        auto r = pkgtest::run_pkg({"--config", config, "--ports", dir.path() + "/ports", "--json", "show",
                                   "musl", "zlib", "tcc"});
        EXPECT_EQ(r.status, 0) << r.err;
        nlohmann::json document = nlohmann::json::parse(r.out);
        std::vector<std::string> out;
        for (const auto& p : document["ports"]) out.push_back(p["hash"]);
        return out;
    };
    auto before = hashes();
    ASSERT_EQ(before.size(), 3u);
    EXPECT_EQ(before, hashes());  // stable while nothing changes
    std::ofstream(dir.path() + "/ports/core/musl/files-note", std::ios::app) << "changed\n";
    auto after = hashes();
    ASSERT_EQ(after.size(), 3u);
    EXPECT_NE(before[0], after[0]);
    EXPECT_NE(before[1], after[1]);
    EXPECT_NE(before[2], after[2]);
}

TEST(BundledPorts, ManPageExampleIsTheMakePort) {
    std::ifstream page(pkgtest::source_dir() + "/man/port.5");
    std::stringstream text;
    text << page.rdbuf();
    std::string s = text.str();
    auto at = s.find(".Sh EXAMPLES");
    ASSERT_NE(at, std::string::npos);
    auto begin = s.find(".Bd -literal -offset indent\n", at);
    auto end = s.find(".Ed\n", begin);
    ASSERT_NE(begin, std::string::npos);
    std::string example = s.substr(begin + 28, end - begin - 28);
    for (size_t i; (i = example.find("\\e")) != std::string::npos;) example.replace(i, 2, "\\");
    std::ifstream port(pkgtest::source_dir() + "/ports/devel/make/port.json");
    EXPECT_EQ(nlohmann::json::parse(example), nlohmann::json::parse(port));
}

}  // namespace
