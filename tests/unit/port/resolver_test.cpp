#include "pkg/port/resolver.hpp"

#include <gtest/gtest.h>

#include "pkg/error.hpp"
#include "support/process.hpp"

namespace {

// Writes a port with the given depends object (JSON text) into dir/ports/core/NAME.
void add_port(const pkgtest::ScratchDir& dir, const std::string& name, const std::string& depends,
              const std::string& version = "1.0") {
    dir.write("ports/core/" + name + "/port.json",
              "{\"name\": \"" + name + "\", \"version\": \"" + version +
                  "\", \"summary\": \"s\", \"license\": \"MIT\", \"build\": {\"style\": \"make\"}, "
                  "\"depends\": " + depends + "}\n");
}

std::vector<std::string> names(const std::vector<const pkg::Port*>& ports) {
    std::vector<std::string> out;
    for (const auto* p : ports) out.push_back(p->name);
    return out;
}

TEST(Resolver, BuildClosureIsHostAndBuildDependenciesWithTheirRunDependencies) {
    pkgtest::ScratchDir dir;
    add_port(dir, "app", R"({"host": ["tool"], "build": ["lib"], "run": ["data"], "check": ["tester"]})");
    add_port(dir, "tool", R"({"run": ["toolrt"], "build": ["toolbuild"]})");
    add_port(dir, "toolrt", "{}");
    add_port(dir, "toolbuild", "{}");
    add_port(dir, "lib", R"({"run": ["libdep"]})");
    add_port(dir, "libdep", "{}");
    add_port(dir, "data", "{}");
    add_port(dir, "tester", "{}");
    auto tree = pkg::PortsTree::load({dir.path() + "/ports"});
    pkg::Resolver resolver(tree, {});
    const pkg::Port& app = tree.get("app");
    // Not toolbuild (needed to build tool, not to run it), not data (run), not tester (check).
    EXPECT_EQ(names(resolver.build_closure(app)),
              (std::vector<std::string>{"lib", "libdep", "tool", "toolrt"}));
    EXPECT_EQ(names(resolver.run_closure(app)), (std::vector<std::string>{"data"}));
}

TEST(Resolver, AssumeInstalledMeetsWithoutAPort) {
    pkgtest::ScratchDir dir;
    add_port(dir, "app", R"({"host": ["cc"]})");
    auto tree = pkg::PortsTree::load({dir.path() + "/ports"});
    pkg::Resolver resolver(tree, {{"cc"}, {}});
    const pkg::Port& app = tree.get("app");
    auto r = resolver.resolve(app.depends[0], app);
    EXPECT_EQ(r.port, nullptr);
    EXPECT_EQ(r.via, "assume-installed");
    pkg::Resolver strict(tree, {});
    EXPECT_THROW(strict.resolve(app.depends[0], app), pkg::DependencyError);
}

TEST(Resolver, OrderIsDeterministicAndCyclesAreNamed) {
    pkgtest::ScratchDir dir;
    // A diamond: top needs left and right (in that order), both need base;
    // check dependencies do not order.
    add_port(dir, "top", R"({"build": ["left", "right"], "check": ["tester"]})");
    add_port(dir, "left", R"({"build": ["base"]})");
    add_port(dir, "right", R"({"host": ["base"], "run": ["rt"]})");
    add_port(dir, "base", "{}");
    add_port(dir, "rt", "{}");
    add_port(dir, "tester", R"({"build": ["top"]})");
    auto tree = pkg::PortsTree::load({dir.path() + "/ports"});
    pkg::Resolver resolver(tree, {});
    auto order = names(resolver.build_order({&tree.get("top")}));
    // Dependencies first, in the order the manifest lists them, each once.
    EXPECT_EQ(order, (std::vector<std::string>{"base", "left", "rt", "right", "top"}));
    for (int i = 0; i < 3; ++i) EXPECT_EQ(names(resolver.build_order({&tree.get("top")})), order);
    // Several targets: each once, a later target's new dependencies after the earlier ones.
    EXPECT_EQ(names(resolver.build_order({&tree.get("right"), &tree.get("left"), &tree.get("base")})),
              (std::vector<std::string>{"base", "rt", "right", "left"}));

    pkgtest::ScratchDir cyclic;
    add_port(cyclic, "a", R"({"build": ["b"]})");
    add_port(cyclic, "b", R"({"run": ["c"]})");
    add_port(cyclic, "c", R"({"host": ["a"]})");
    auto loop = pkg::PortsTree::load({cyclic.path() + "/ports"});
    pkg::Resolver looping(loop, {});
    try {
        looping.build_order({&loop.get("b")});
        FAIL();
    } catch (const pkg::DependencyError& e) {
        EXPECT_STREQ(e.what(), "dependency cycle: b -> c -> a -> b");
    }
}

TEST(Resolver, AnAlternativesHostDependenciesCountWhereverDependenciesCount) {
    pkgtest::ScratchDir dir;
    dir.write("ports/core/make/port.json", R"({"name": "make", "version": "4.3", "summary": "s", "license": "MIT",
  "sources": [{"url": "https://example.org/make-{version}.tar.gz",
    "sha256": "e05fdde47c5f7ca45cb697e973894ff4f5d79e13b750ed57d7b66d8defc78e19",
    "alternatives": [{"debian": {"source": "make-dfsg", "version": "4.3-4.1", "file": "make-dfsg_4.3.orig.tar.gz"},
      "sha256": "be4c17542578824e745f83bcd2a9ba264206187247cb6a5f5df99b0a9d1f9047",
      "depends": {"host": ["autoconf", "lib"]}, "prepare": "autoreconf -fi"}]}],
  "build": {"style": "gnu"}, "depends": {"build": ["lib"]}}
)");
    add_port(dir, "autoconf", R"({"run": ["m4"]})");
    add_port(dir, "m4", "{}");
    add_port(dir, "lib", "{}");
    auto tree = pkg::PortsTree::load({dir.path() + "/ports"});
    pkg::Resolver resolver(tree, {});
    const pkg::Port& make = tree.get("make");
    auto counted = make.counted_depends();
    ASSERT_EQ(counted.size(), 3u);  // build lib, host autoconf, host lib: each name and kind once
    EXPECT_EQ(counted[1]->name, "autoconf");
    EXPECT_EQ(names(resolver.build_closure(make)), (std::vector<std::string>{"autoconf", "lib", "m4"}));
    EXPECT_EQ(names(resolver.build_order({&make})), (std::vector<std::string>{"lib", "m4", "autoconf", "make"}));
    EXPECT_EQ(names(resolver.reverse_dependencies("autoconf")), (std::vector<std::string>{"make"}));
}

TEST(Dependency, ParsesConstraints) {
    std::string why;
    auto d = pkg::Dependency::parse("zlib>=1.2.13", &why);
    ASSERT_TRUE(d) << why;
    EXPECT_EQ(d->name, "zlib");
    EXPECT_EQ(d->constraint.op, pkg::Constraint::Op::ge);
    EXPECT_TRUE(d->constraint.satisfied_by("1.3-1"));
    EXPECT_FALSE(d->constraint.satisfied_by("1.2.12"));
    EXPECT_EQ(d->str(), "zlib>=1.2.13");
    for (const char* bad : {"", "Zlib", "zlib>=", "zlib>=1-2-3", "zlib=>1", "-x"}) {
        EXPECT_FALSE(pkg::Dependency::parse(bad, &why)) << bad;
    }
}

TEST(Port, ExpandsTemplates) {
    pkg::Port port;
    port.name = "linux";
    port.version = "6.1.176";
    EXPECT_EQ(port.expand("https://x/v{major}.x/{name}-{version}.tar.xz"),
              "https://x/v6.x/linux-6.1.176.tar.xz");
    EXPECT_EQ(port.expand("{major}.{minor}.{patch}"), "6.1.176");
    port.version = "4.3";
    EXPECT_EQ(port.expand("{major}-{minor}-{patch}"), "4-3-");
}

}  // namespace
