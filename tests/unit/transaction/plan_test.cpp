// The plan without a disk: a map stands for the root.

#include "pkg/transaction/plan.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "pkg/error.hpp"

namespace {
using pkg::ChangeKind;
using pkg::PathAction;

// A root as a map: path -> facts (and content digests).
class MapRoot final : public pkg::RootFacts {
public:
    std::optional<pkg::DiskFacts> look(const std::string& path) override {
        auto it = entries.find(path);
        if (it == entries.end()) return std::nullopt;
        return it->second;
    }
    std::string digest(const std::string& path) override { return digests.at(path); }
    std::vector<std::string> list(const std::string& dir) override {
        std::vector<std::string> out;
        for (auto it = entries.upper_bound(dir + "/"); it != entries.end() && it->first.rfind(dir + "/", 0) == 0; ++it) {
            std::string rest = it->first.substr(dir.size() + 1);
            if (rest.find('/') == std::string::npos) out.push_back(rest);
        }
        return out;
    }
    void file(const std::string& path, const std::string& sha, std::uint64_t size = 1) {
        entries[path] = {S_IFREG | 0644, size, ""};
        digests[path] = sha;
    }
    void dir(const std::string& path) { entries[path] = {S_IFDIR | 0755, 0, ""}; }
    void link(const std::string& path, const std::string& target) { entries[path] = {S_IFLNK | 0777, 0, target}; }
    std::map<std::string, pkg::DiskFacts> entries;
    std::map<std::string, std::string> digests;
};

std::string sha(char c) { return std::string(64, c); }

pkg::PackageEntry dir(const std::string& path) {
    pkg::PackageEntry e;
    e.path = path;
    e.type = pkg::EntryType::dir;
    e.mode = 0755;
    return e;
}

pkg::PackageEntry file(const std::string& path, char content, bool config = false) {
    pkg::PackageEntry e;
    e.path = path;
    e.type = pkg::EntryType::file;
    e.mode = 0644;
    e.size = 1;
    e.sha256 = sha(content);
    e.config = config;
    return e;
}

pkg::PackageManifest manifest(const std::string& name, const std::string& version,
                              std::vector<pkg::PackageEntry> entries, std::vector<std::string> depends = {}) {
    pkg::PackageManifest m;
    m.name = name;
    m.version = version;
    m.release = "1";
    m.arch = "x86_64";
    m.depends = std::move(depends);
    m.entries = std::move(entries);
    return m;
}

// Records `m` as installed and puts its files on the map root.
void install(pkg::InstalledState& s, MapRoot& root, const pkg::PackageManifest& m, bool held = false) {
    pkg::db::InstalledPackage p;
    p.name = m.name;
    p.version = m.version;
    p.release = m.release;
    p.arch = m.arch;
    p.depends = m.depends;
    p.provides = m.provides;
    p.conflicts = m.conflicts;
    p.held = held;
    std::vector<pkg::db::InstalledFile> files;
    for (const auto& e : m.entries) {
        pkg::db::InstalledFile f;
        f.path = e.path;
        f.type = pkg::entry_type_name(e.type);
        f.mode = e.mode;
        f.size = e.size;
        f.sha256 = e.sha256;
        f.config = e.config;
        files.push_back(f);
        if (e.type == pkg::EntryType::dir) root.dir(e.path);
        else root.file(e.path, e.sha256, e.size);
    }
    s.add(p, files);
    s.target = "x86_64";
}

std::string actions(const pkg::Plan& plan) {
    std::string out;
    for (const auto& p : plan.paths) out += p.path + ":" + pkg::path_action_name(p.action) + " ";
    return out;
}

std::string refusal(const pkg::InstalledState& s, MapRoot& root, const pkg::PlanRequest& r) {
    try {
        pkg::make_plan(s, root, r);
    } catch (const pkg::Error& e) {
        return std::string(e.what()) + (e.hint().empty() ? "" : "\nhint: " + e.hint());
    }
    return "";
}

TEST(Plan, AFreshInstallCreatesEverythingAndSetsTheTarget) {
    pkg::InstalledState s;
    MapRoot root;
    pkg::PlanRequest r;
    r.install = {manifest("a", "1.0", {dir("usr"), dir("usr/bin"), file("usr/bin/a", 'a')})};
    auto plan = pkg::make_plan(s, root, r);
    EXPECT_EQ(plan.target, "x86_64");
    ASSERT_EQ(plan.changes.size(), 1u);
    EXPECT_EQ(plan.changes[0].kind, ChangeKind::install);
    EXPECT_EQ(plan.changes[0].to, "1.0-1");
    EXPECT_EQ(actions(plan), "usr:create usr/bin:create usr/bin/a:create ");
}

TEST(Plan, AnUpgradeReplacesKeepsSharedDirectoriesAndRemovesWhatIsGone) {
    pkg::InstalledState s;
    MapRoot root;
    install(s, root, manifest("a", "1.0", {dir("usr"), file("usr/a", 'a'), file("usr/old", 'o')}));
    install(s, root, manifest("b", "1.0", {dir("usr"), file("usr/b", 'b')}));
    pkg::PlanRequest r;
    r.install = {manifest("a", "2.0", {dir("usr"), file("usr/a", 'A'), file("usr/new", 'n')})};
    auto plan = pkg::make_plan(s, root, r);
    EXPECT_EQ(plan.changes[0].kind, ChangeKind::upgrade);
    EXPECT_EQ(plan.changes[0].from, "1.0-1");
    EXPECT_EQ(actions(plan), "usr:keep usr/a:replace usr/new:create usr/old:remove ");
    // Removing a leaves the directory b still owns.
    pkg::PlanRequest rm;
    rm.remove = {"a"};
    EXPECT_EQ(actions(pkg::make_plan(s, root, rm)), "usr/a:remove usr/old:remove ");
    rm.remove = {"a", "b"};
    EXPECT_EQ(actions(pkg::make_plan(s, root, rm)), "usr:remove usr/a:remove usr/b:remove usr/old:remove ");
}

TEST(Plan, DowngradesAndHeldPackagesNeedForce) {
    pkg::InstalledState s;
    MapRoot root;
    install(s, root, manifest("a", "2.0", {file("a", 'a')}));
    install(s, root, manifest("h", "1.0", {file("h", 'h')}), true);
    pkg::PlanRequest r;
    r.install = {manifest("a", "1.0", {file("a", 'a')})};
    EXPECT_NE(refusal(s, root, r).find("a 1.0-1 would replace the newer 2.0-1 (a downgrade needs --force)"),
              std::string::npos);
    r.force = true;
    EXPECT_EQ(pkg::make_plan(s, root, r).changes[0].kind, ChangeKind::downgrade);
    pkg::PlanRequest same;
    same.install = {manifest("a", "2.0", {file("a", 'a')})};
    EXPECT_EQ(pkg::make_plan(s, root, same).changes[0].kind, ChangeKind::reinstall);
    pkg::PlanRequest held;
    held.remove = {"h"};
    EXPECT_NE(refusal(s, root, held).find("h is held (--force to remove it anyway)"), std::string::npos);
    held.install = {};
    held.remove = {};
    held.install = {manifest("h", "2.0", {file("h", 'h')})};
    EXPECT_NE(refusal(s, root, held).find("h is held (--force to upgrade it anyway)"), std::string::npos);
}

TEST(Plan, DependenciesAreMetByTheRootOrTheTransactionAndEveryMissingOneIsNamed) {
    pkg::InstalledState s;
    MapRoot root;
    install(s, root, manifest("libc", "1.2", {file("libc.so", 'c')}));
    pkg::PlanRequest r;
    r.install = {manifest("app", "1", {file("app", 'p')}, {"libc>=1.2", "zlib>=1.3", "cc", "tool"}),
                 manifest("zlib", "1.3", {file("libz.so", 'z')})};
    std::string why = refusal(s, root, r);
    EXPECT_NE(why.find("app needs cc, which is neither installed nor in the transaction"), std::string::npos) << why;
    EXPECT_NE(why.find("app needs tool, which is neither"), std::string::npos) << why;
    EXPECT_EQ(why.find("zlib"), std::string::npos) << why;
    // assume-installed speaks for the host only.
    r.assume_installed = {"cc", "tool"};
    EXPECT_NE(refusal(s, root, r).find("app needs cc"), std::string::npos);
    r.root_is_host = true;
    auto plan = pkg::make_plan(s, root, r);
    // Installed in dependency order: zlib before app.
    ASSERT_EQ(plan.changes.size(), 2u);
    EXPECT_EQ(plan.changes[0].name, "zlib");
    EXPECT_EQ(plan.changes[1].name, "app");
}

TEST(Plan, ProvidesMeetNeedsAndAVersionedNeedOnlyByAVersionedProvide) {
    pkg::InstalledState s;
    MapRoot root;
    auto musl = manifest("musl", "1.2.4", {file("lib/libc.so", 'm')});
    musl.provides = {"libc=1.2.4", "ld"};
    install(s, root, musl);
    pkg::PlanRequest r;
    r.install = {manifest("app", "1", {file("app", 'p')}, {"libc>=1.2", "ld"})};
    EXPECT_NO_THROW(pkg::make_plan(s, root, r));
    r.install = {manifest("app", "1", {file("app", 'p')}, {"ld>=1"})};
    EXPECT_NE(refusal(s, root, r).find("app needs ld>=1"), std::string::npos);
    r.install = {manifest("app", "1", {file("app", 'p')}, {"libc>=1.3"})};
    EXPECT_NE(refusal(s, root, r).find("app needs libc>=1.3"), std::string::npos);
}

TEST(Plan, DeclaredConflictsAreRefusedNamingBoth) {
    pkg::InstalledState s;
    MapRoot root;
    auto old = manifest("openssl", "3.0", {file("ssl", 's')});
    old.provides = {"ssl=3.0"};
    install(s, root, old);
    pkg::PlanRequest r;
    auto libre = manifest("libressl", "3.8", {file("lssl", 'l')});
    libre.conflicts = {"ssl"};
    r.install = {libre};
    EXPECT_NE(refusal(s, root, r).find("libressl and openssl conflict"), std::string::npos);
    r.remove = {"openssl"};  // replacing it in one transaction is fine
    EXPECT_NO_THROW(pkg::make_plan(s, root, r));
}

TEST(Plan, RemovingWhatAnotherNeedsIsRefusedNamingTheDependent) {
    pkg::InstalledState s;
    MapRoot root;
    install(s, root, manifest("zlib", "1.3", {file("libz", 'z')}));
    install(s, root, manifest("curl", "8", {file("curl", 'c')}, {"zlib>=1.2"}));
    pkg::PlanRequest r;
    r.remove = {"zlib"};
    std::string why = refusal(s, root, r);
    EXPECT_NE(why.find("curl needs zlib>=1.2, which only zlib gives"), std::string::npos) << why;
    r.remove = {"zlib", "curl"};
    EXPECT_NO_THROW(pkg::make_plan(s, root, r));
    // An upgrade that no longer meets a dependent is refused too.
    pkg::PlanRequest up;
    up.install = {manifest("zlib", "1.1", {file("libz", 'z')})};
    up.force = true;
    EXPECT_NE(refusal(s, root, up).find("curl needs zlib>=1.2"), std::string::npos);
    pkg::PlanRequest missing;
    missing.remove = {"nothere"};
    EXPECT_NE(refusal(s, root, missing).find("nothere is not installed"), std::string::npos);
}

TEST(Plan, APackageForAnotherArchitectureIsRefused) {
    pkg::InstalledState s;
    MapRoot root;
    install(s, root, manifest("a", "1", {file("a", 'a')}));
    pkg::PlanRequest r;
    auto arm = manifest("b", "1", {file("b", 'b')});
    arm.arch = "aarch64";
    auto any = manifest("c", "1", {file("c", 'c')});
    any.arch = "any";
    r.install = {arm, any};
    std::string why = refusal(s, root, r);
    EXPECT_NE(why.find("b is built for aarch64, the root for x86_64"), std::string::npos) << why;
    EXPECT_EQ(why.find("c is built"), std::string::npos);
}

TEST(Plan, FileConflictsNameBothPackagesAndThePath) {
    pkg::InstalledState s;
    MapRoot root;
    install(s, root, manifest("a", "1", {dir("usr"), file("usr/tool", 'a')}));
    pkg::PlanRequest r;
    r.install = {manifest("b", "1", {dir("usr"), file("usr/tool", 'b')})};
    std::string why = refusal(s, root, r);
    EXPECT_NE(why.find("b installs a file at /usr/tool, where a has a file"), std::string::npos) << why;
    r.overwrite = {"/usr/*"};
    auto plan = pkg::make_plan(s, root, r);
    EXPECT_EQ(actions(plan), "usr:keep usr/tool:replace ");
    EXPECT_EQ(plan.paths[1].taken_from, "a");
    // Two packages of one transaction that install one path.
    pkg::PlanRequest two;
    two.install = {manifest("c", "1", {file("x", 'c')}), manifest("d", "1", {file("x", 'd')})};
    EXPECT_NE(refusal(s, root, two).find("c and d both install /x"), std::string::npos);
}

TEST(Plan, WhatTheRootHoldsUntrackedIsRefusedUnlessIdentical) {
    pkg::InstalledState s;
    MapRoot root;
    root.file("etc/motd", sha('m'));
    root.file("usr/same", sha('s'));
    root.dir("opt");
    root.link("var", "/elsewhere");
    pkg::PlanRequest r;
    r.install = {manifest("a", "1", {file("etc/motd", 'a'), file("usr/same", 's'), file("opt", 'o'), dir("var")})};
    std::string why = refusal(s, root, r);
    EXPECT_NE(why.find("/etc/motd exists on disk, no package owns it, and it differs from a's"), std::string::npos)
        << why;
    EXPECT_EQ(why.find("usr/same"), std::string::npos) << why;  // identical: adopted
    EXPECT_NE(why.find("/opt is a directory on disk; a installs a file there"), std::string::npos) << why;
    EXPECT_NE(why.find("the root has a symbolic link at /var where a needs a directory (never followed)"),
              std::string::npos)
        << why;
    EXPECT_NE(why.find("--overwrite GLOB"), std::string::npos);
}

TEST(Plan, AFileMovingBetweenPackagesOfOneTransactionIsOneReplacement) {
    pkg::InstalledState s;
    MapRoot root;
    install(s, root, manifest("a", "1", {file("shared", 'x'), file("a-only", 'a')}));
    pkg::PlanRequest r;
    r.install = {manifest("a", "2", {file("a-only", 'a')}), manifest("b", "1", {file("shared", 'y')})};
    auto plan = pkg::make_plan(s, root, r);
    EXPECT_EQ(actions(plan), "a-only:replace shared:replace ");
    EXPECT_EQ(plan.paths[1].package, "b");
}

TEST(Plan, ConfigFilesTheUserEditedAreKept) {
    pkg::InstalledState s;
    MapRoot root;
    install(s, root,
            manifest("a", "1", {file("etc/plain.conf", 'p', true), file("etc/edited.conf", 'e', true),
                                file("etc/same.conf", 's', true), file("etc/gone.conf", 'g', true),
                                file("etc/gone-edited.conf", 'h', true)}));
    root.digests["etc/edited.conf"] = sha('E');
    root.digests["etc/same.conf"] = sha('S');
    root.digests["etc/gone-edited.conf"] = sha('H');
    pkg::PlanRequest r;
    r.install = {manifest("a", "2", {file("etc/plain.conf", 'P', true), file("etc/edited.conf", 'N', true),
                                     file("etc/same.conf", 's', true)})};
    auto plan = pkg::make_plan(s, root, r);
    // unedited: replaced; edited and changed upstream: .pkgnew; edited, unchanged
    // upstream: kept; dropped: removed, or kept as .pkgsave when edited.
    EXPECT_EQ(actions(plan),
              "etc/edited.conf:write-new etc/gone-edited.conf:save etc/gone.conf:remove etc/plain.conf:replace "
              "etc/same.conf:keep ");
    pkg::PlanRequest rm;
    rm.remove = {"a"};
    EXPECT_EQ(actions(pkg::make_plan(s, root, rm)),
              "etc/edited.conf:save etc/gone-edited.conf:save etc/gone.conf:remove etc/plain.conf:remove "
              "etc/same.conf:save ");
}

TEST(Plan, APackageGivenTwiceIsRefused) {
    pkg::InstalledState s;
    MapRoot root;
    pkg::PlanRequest r;
    r.install = {manifest("a", "1", {}), manifest("a", "2", {})};
    EXPECT_NE(refusal(s, root, r).find("a is given twice"), std::string::npos);
}

}  // namespace
