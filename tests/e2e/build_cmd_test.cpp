// pkg build and pkg install PORT end to end: real builds of small C
// programs the tests write, their sources packed with tar and served to pkg
// as local files (file:// URLs), built in the sandbox and installed into a
// scratch root through real transactions.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "pkg/config.hpp"
#include "pkg/digest.hpp"
#include "support/process.hpp"

namespace {
namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const fs::path& path, const std::string& content, fs::perms perms = fs::perms(0644)) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
    fs::permissions(path, perms);
}

// A port the test writes: its source tree (packed into NAME-VERSION.tar.gz
// with a top directory), its manifest's other members, and its local files.
struct TestPort {
    std::string name;
    std::string version = "1.0";
    std::map<std::string, std::string> source;  // path in the tarball -> content
    std::string members;                        // more port.json members: ",\n  \"build\": ..."
    std::map<std::string, std::string> files;   // build script, patches/..., relative to the port
};

class Build : public ::testing::Test {
protected:
    pkgtest::ScratchDir scratch;
    fs::path dir = scratch.path();
    fs::path root = dir / "root";
    fs::path conf = dir / "pkg.conf";

    void SetUp() override {
        fs::create_directories(root);
        // Everything the sandbox's root reaches must be searchable by the
        // ids it maps to.
        fs::permissions(dir, fs::perms(0755));
        write_file(conf, "ports = ports\ncache-dir = cache\npackages-dir = packages\nbuild-dir = builds\n"
                         "jobs = 2\nassume-installed = sh cc make\n");
    }

    void add(const TestPort& port) {
        fs::path src = dir / "src" / (port.name + "-" + port.version);
        for (const auto& [path, content] : port.source) write_file(src / path, content, path == "configure" ? fs::perms(0755) : fs::perms(0644));
        std::string tarball = (dir / "dist" / (port.name + "-" + port.version + ".tar.gz")).string();
        fs::create_directories(dir / "dist");
        auto tar = pkgtest::run_process({"/usr/bin/tar", "--sort=name", "--mtime=@0", "--owner=0", "--group=0",
                                         "-C", (dir / "src").string(), "-czf", tarball,
                                         port.name + "-" + port.version});
        ASSERT_EQ(tar.status, 0) << tar.err;
        pkg::Hasher h(pkg::DigestAlgorithm::sha256);
        h.update(read_file(tarball));
        fs::path port_dir = dir / "ports" / "test" / port.name;
        write_file(port_dir / "port.json",
                   "{\n  \"name\": \"" + port.name + "\",\n  \"version\": \"" + port.version +
                       "\",\n  \"summary\": \"A test port\",\n  \"license\": \"MIT\",\n"
                       "  \"sources\": [{\"url\": \"file://" + tarball + "\", \"sha256\": \"" + h.finish() +
                       "\"}]" + port.members + "\n}\n");
        for (const auto& [path, content] : port.files) write_file(port_dir / path, content);
    }

    pkgtest::ProcessResult pkg(std::vector<std::string> args) {
        args.insert(args.begin(), {"--config", conf.string(), "--root", root.string()});
        return pkgtest::run_pkg(args);
    }

    // The names and install reasons the root's database lists.
    std::string installed() {
        auto r = pkg({"list"});
        return r.out;
    }
};

// A C library with a header, a static library and a data file.
TestPort library_port() {
    TestPort p;
    p.name = "libgreet";
    p.source["greet.h"] = "const char* greeting(void);\n";
    p.source["greet.c"] = "#include \"greet.h\"\nconst char* greeting(void) { return \"hello from libgreet\"; }\n";
    p.source["Makefile"] =
        "libgreet.a: greet.o\n\tar rcs $@ greet.o\n"
        "greet.o: greet.c\n\t$(CC) $(CFLAGS) -c -o $@ greet.c\n"
        "install: libgreet.a\n\tmkdir -p $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include\n"
        "\tcp libgreet.a $(DESTDIR)$(PREFIX)/lib/\n\tcp greet.h $(DESTDIR)$(PREFIX)/include/\n";
    p.members = ",\n  \"build\": {\"style\": \"make\"}";
    return p;
}

// A program that needs libgreet to build (its header and library, from the
// root) and, as declared, to run.
TestPort program_port() {
    TestPort p;
    p.name = "greet";
    p.source["main.c"] = "#include <stdio.h>\n#include <greet.h>\nint main(void) { puts(greeting()); return 0; }\n";
    p.source["configure"] = "#!/bin/sh\n# a configure of the gnu style's shape\nfor a; do case $a in --prefix=*) echo \"PREFIX=${a#--prefix=}\" >config.mk;; esac; done\n";
    p.source["Makefile"] =
        "include config.mk\n"
        "greet: main.c\n\t$(CC) $(CFLAGS) -o $@ main.c -lgreet\n"
        "install: greet\n\tmkdir -p $(DESTDIR)$(PREFIX)/bin\n\tcp greet $(DESTDIR)$(PREFIX)/bin/\n";
    p.members = ",\n  \"depends\": {\"host\": [\"cc\", \"make\"], \"build\": [\"libgreet\"], \"run\": [\"libgreet\"]},"
                "\n  \"build\": {\"style\": \"gnu\"},\n  \"test\": \"\\\"$DESTDIR$PREFIX/bin/greet\\\" | grep -q libgreet\"";
    return p;
}

TEST_F(Build, ALibraryAndAProgramThatNeedsItAreBuiltAndInstalledInOrder) {
    add(library_port());
    add(program_port());
    auto plan = pkg({"install", "--dry-run", "greet"});
    ASSERT_EQ(plan.status, 0) << plan.err;
    EXPECT_EQ(plan.out, "fetch libgreet-1.0.tar.gz\nfetch greet-1.0.tar.gz\n"
                        "build libgreet 1.0-1, then install (as a dependency)\nbuild greet 1.0-1, then install\n");
    EXPECT_FALSE(fs::exists(root / "var/lib/pkg/pkg.db") && installed().find("greet") != std::string::npos);

    auto r = pkg({"install", "-y", "greet"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(fs::exists(root / "usr/lib/libgreet.a"));
    auto run = pkgtest::run_process({(root / "usr/bin/greet").string()});
    EXPECT_EQ(run.out, "hello from libgreet\n");
    auto info = pkg({"--json", "list"});
    auto list = nlohmann::json::parse(info.out);
    std::map<std::string, std::string> reasons;
    for (const auto& p : list["packages"]) reasons[p["name"]] = p["reason"];
    EXPECT_EQ(reasons["libgreet"], "automatic");
    EXPECT_EQ(reasons["greet"], "explicit");
    EXPECT_TRUE(fs::exists(dir / "packages" / pkg::build_triplet() / "greet-1.0-1-x86_64.pkg.tar.zst"));
    // Nothing left of the builds.
    EXPECT_TRUE(fs::is_empty(dir / "builds") || fs::directory_iterator(dir / "builds")->path().filename() == "toolchains");

    auto again = pkg({"install", "-y", "greet"});
    ASSERT_EQ(again.status, 0) << again.err;
    EXPECT_EQ(again.out, "installed greet 1.0-1\nnothing to do\n");
}

}  // namespace

namespace {

// A one-file C program printing `text`, built by make.
TestPort hello_port(const std::string& name, const std::string& text) {
    TestPort p;
    p.name = name;
    p.source["hello.c"] = "#include <stdio.h>\nint main(void) { puts(\"" + text + "\"); return 0; }\n";
    p.source["Makefile"] = "hello: hello.c\n\t$(CC) $(CFLAGS) -o $@ hello.c\n"
                           "install: hello\n\tmkdir -p $(DESTDIR)$(PREFIX)/bin\n\tcp hello $(DESTDIR)$(PREFIX)/bin/" + name + "\n";
    p.members = ",\n  \"build\": {\"style\": \"make\"}";
    return p;
}

std::string output_of(const fs::path& program) { return pkgtest::run_process({program.string()}).out; }

TEST_F(Build, APatchIsAppliedBeforeTheBuild) {
    TestPort p = hello_port("patched", "unpatched");
    p.members = ",\n  \"patches\": [\"fix.patch\"],\n  \"build\": {\"style\": \"make\"}";
    p.files["patches/fix.patch"] =
        "--- a/hello.c\n+++ b/hello.c\n@@ -1,2 +1,2 @@\n #include <stdio.h>\n"
        "-int main(void) { puts(\"unpatched\"); return 0; }\n+int main(void) { puts(\"patched\"); return 0; }\n";
    add(p);
    auto r = pkg({"install", "-y", "patched"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(output_of(root / "usr/bin/patched"), "patched\n");
}

TEST_F(Build, ACmakePortBuilds) {
    TestPort p;
    p.name = "cmhello";
    p.source["main.c"] = "#include <stdio.h>\nint main(void) { puts(\"built by cmake\"); return 0; }\n";
    p.source["CMakeLists.txt"] = "cmake_minimum_required(VERSION 3.13)\nproject(cmhello C)\n"
                                 "add_executable(cmhello main.c)\ninstall(TARGETS cmhello DESTINATION bin)\n";
    p.members = ",\n  \"build\": {\"style\": \"cmake\", \"configure\": [\"-DCMAKE_C_FLAGS=-DFROM_PORT\"]}";
    add(p);
    auto r = pkg({"install", "-y", "cmhello"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(output_of(root / "usr/bin/cmhello"), "built by cmake\n");
}

TEST_F(Build, ACustomBuildAndHooksAroundStandardPhasesRun) {
    TestPort custom;
    custom.name = "custom";
    custom.source["data.txt"] = "custom data\n";
    custom.members = ",\n  \"build\": {\"style\": \"custom\"}";
    custom.files["build"] = "mkdir -p \"$DESTDIR$PREFIX/share/custom\"\n"
                            "cp data.txt \"$DESTDIR$PREFIX/share/custom/\"\n"
                            "echo \"$HOST $JOBS $SOURCE_DATE_EPOCH\" >\"$DESTDIR$PREFIX/share/custom/env\"\n";
    add(custom);
    TestPort hooked = hello_port("hooked", "hooked");
    hooked.files["build"] = "pre_build() { echo 'pre_build ran' >pre-build.txt; }\n"
                            "post_install() { mkdir -p \"$DESTDIR$PREFIX/share/hooked\"; cp pre-build.txt \"$DESTDIR$PREFIX/share/hooked/\"; }\n";
    add(hooked);
    auto r = pkg({"install", "-y", "custom", "hooked"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(read_file(root / "usr/share/custom/data.txt"), "custom data\n");
    EXPECT_EQ(read_file(root / "usr/share/custom/env"), pkg::build_triplet() + " 2 0\n");
    EXPECT_EQ(read_file(root / "usr/share/hooked/pre-build.txt"), "pre_build ran\n");
    EXPECT_EQ(output_of(root / "usr/bin/hooked"), "hooked\n");
}

TEST_F(Build, AFailingBuildNamesItsPhaseAndLogAndInstallsNothing) {
    TestPort p = hello_port("broken", "never");
    p.source["Makefile"] = "hello:\n\t@echo 'compiler says: boom'\n\t@false\ninstall:\n";
    add(p);
    auto r = pkg({"install", "-y", "broken"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("building broken: the build phase failed (exit status 2)"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("| compiler says: boom"), std::string::npos) << r.err;
    auto at = r.err.find("the end of its log, ");
    ASSERT_NE(at, std::string::npos);
    std::string log = r.err.substr(at + 20, r.err.find(":\n", at) - at - 20);
    EXPECT_TRUE(fs::exists(log)) << log;
    EXPECT_NE(read_file(log).find("compiler says: boom"), std::string::npos);
    EXPECT_FALSE(fs::exists(root / "usr"));
    EXPECT_EQ(pkg({"list"}).out, "");
}

TEST_F(Build, AFailingTestInstallsNothing) {
    TestPort p = hello_port("untested", "hi");
    p.members += ",\n  \"test\": \"\\\"$DESTDIR$PREFIX/bin/untested\\\" | grep -q bye\"";
    add(p);
    auto r = pkg({"install", "-y", "untested"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("the check phase failed"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(root / "usr"));
}

// A build that connects to a listener on the host's loopback: the sandbox
// has a loopback of its own, so the connection is refused.
TEST_F(Build, ABuildCannotReachTheHostsNetwork) {
    int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    ASSERT_GE(listener, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(::listen(listener, 4), 0);
    socklen_t length = sizeof address;
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
    int port = ntohs(address.sin_port);

    TestPort p;
    p.name = "netty";
    p.source["net.c"] =
        "#include <arpa/inet.h>\n#include <stdio.h>\n#include <string.h>\n#include <errno.h>\n#include <sys/socket.h>\n"
        "int main(void) { int s = socket(AF_INET, SOCK_STREAM, 0); struct sockaddr_in a; memset(&a, 0, sizeof a);\n"
        "  a.sin_family = AF_INET; a.sin_port = htons(" + std::to_string(port) + "); a.sin_addr.s_addr = htonl(0x7f000001);\n"
        "  if (connect(s, (struct sockaddr*)&a, sizeof a) != 0) { printf(\"connect failed: %s\\n\", strerror(errno)); return 1; }\n"
        "  puts(\"connected\"); return 0; }\n";
    p.source["Makefile"] = "all:\n\t$(CC) -o net net.c\n\t./net\ninstall:\n\tmkdir -p $(DESTDIR)/usr/share\n";
    p.members = ",\n  \"build\": {\"style\": \"make\"}";
    add(p);
    auto r = pkg({"install", "-y", "netty"});
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_NE(r.err.find("connect failed: Connection refused"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("| connected"), std::string::npos);
    // Nothing ever reached the listener.
    EXPECT_LT(::accept(listener, nullptr, nullptr), 0);
    EXPECT_EQ(errno, EAGAIN);
    ::close(listener);
}

TEST_F(Build, ABuildCannotWriteOutsideItsDirectories) {
    fs::path outside = dir / "escaped";
    TestPort p;
    p.name = "escape";
    p.source["Makefile"] = "all:\n\ttouch /usr/pkg-escape-test || echo 'usr refused'\n"
                           "\ttouch " + outside.string() + " || echo 'host path refused'\n"
                           "\ttouch /tmp/fine && echo 'tmp written'\n"
                           "install:\n\ttouch /pkg-escape-test\n";
    p.members = ",\n  \"build\": {\"style\": \"make\"}";
    add(p);
    auto r = pkg({"install", "-y", "--keep", "escape"});
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_NE(r.err.find("the install phase failed"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists("/usr/pkg-escape-test"));
    EXPECT_FALSE(fs::exists("/pkg-escape-test"));
    EXPECT_FALSE(fs::exists(outside));
    // The build phase's log says what was refused and what was allowed.
    std::string logs;
    for (const auto& d : fs::directory_iterator(dir / "builds")) {
        if (fs::exists(d.path() / "logs")) {
            for (const auto& l : fs::directory_iterator(d.path() / "logs")) logs += read_file(l.path());
        }
    }
    EXPECT_NE(logs.find("usr refused"), std::string::npos) << logs;
    EXPECT_NE(logs.find("host path refused"), std::string::npos) << logs;
    EXPECT_NE(logs.find("tmp written"), std::string::npos) << logs;
}

TEST_F(Build, AThreeLevelChainIsBuiltAndInstalledInDependencyOrder) {
    TestPort c = hello_port("level-c", "c");
    TestPort b = hello_port("level-b", "b");
    b.members = ",\n  \"depends\": {\"build\": [\"level-c\"], \"run\": [\"level-c\"]},\n  \"build\": {\"style\": \"make\"}";
    TestPort a = hello_port("level-a", "a");
    a.members = ",\n  \"depends\": {\"run\": [\"level-b\"]},\n  \"build\": {\"style\": \"make\"}";
    add(c);
    add(b);
    add(a);
    auto r = pkg({"install", "-y", "level-a"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "fetch level-c-1.0.tar.gz\nfetch level-b-1.0.tar.gz\nfetch level-a-1.0.tar.gz\n"
                     "build level-c 1.0-1, then install (as a dependency)\n"
                     "build level-b 1.0-1, then install (as a dependency)\n"
                     "build level-a 1.0-1, then install\n"
                     "built " + (dir / "packages" / pkg::build_triplet() / "level-c-1.0-1-x86_64.pkg.tar.zst").string() + "\n"
                     "built " + (dir / "packages" / pkg::build_triplet() / "level-b-1.0-1-x86_64.pkg.tar.zst").string() + "\n"
                     "built " + (dir / "packages" / pkg::build_triplet() / "level-a-1.0-1-x86_64.pkg.tar.zst").string() + "\n");
    auto history = pkg({"--json", "history"});
    auto h = nlohmann::json::parse(history.out);
    ASSERT_EQ(h["transactions"].size(), 3u) << history.out;
    EXPECT_EQ(output_of(root / "usr/bin/level-a"), "a\n");
}

TEST_F(Build, APackageBuiltBeforeIsReusedUnlessRebuilt) {
    add(hello_port("reused", "r"));
    auto first = pkg({"build", "-y", "reused"});
    ASSERT_EQ(first.status, 0) << first.err;
    EXPECT_EQ(first.out.substr(0, 43), "fetch reused-1.0.tar.gz\nbuild reused 1.0-1\n");
    fs::path package = dir / "packages" / pkg::build_triplet() / "reused-1.0-1-x86_64.pkg.tar.zst";
    ASSERT_TRUE(fs::exists(package));
    EXPECT_FALSE(fs::exists(root / "usr/bin/reused"));  // built, not installed
    auto second = pkg({"build", "-y", "reused"});
    ASSERT_EQ(second.status, 0) << second.err;
    EXPECT_EQ(second.out, "reuse reused 1.0-1\nreused " + package.string() + "\n");
    auto third = pkg({"build", "-y", "--rebuild", "reused"});
    ASSERT_EQ(third.status, 0) << third.err;
    EXPECT_EQ(third.out, "build reused 1.0-1\nbuilt " + package.string() + "\n");
    // A changed port is a changed hash: built again.
    std::string manifest = read_file(dir / "ports/test/reused/port.json");
    write_file(dir / "ports/test/reused/port.json", manifest.replace(manifest.find("A test port"), 11, "A changed port"));
    auto fourth = pkg({"build", "-y", "reused"});
    ASSERT_EQ(fourth.status, 0) << fourth.err;
    EXPECT_EQ(fourth.out, "build reused 1.0-1\nbuilt " + package.string() + "\n");
}

TEST_F(Build, PackagingChecksStopABadPackage) {
    TestPort p;
    p.name = "writable";
    p.source["Makefile"] = "all:\ninstall:\n\tmkdir -p $(DESTDIR)/usr/share\n\techo x >$(DESTDIR)/usr/share/open\n"
                           "\tchmod 666 $(DESTDIR)/usr/share/open\n";
    p.members = ",\n  \"build\": {\"style\": \"make\"}";
    add(p);
    TestPort empty;
    empty.name = "empty";
    empty.source["Makefile"] = "all:\ninstall:\n";
    empty.members = ",\n  \"build\": {\"style\": \"make\"}";
    add(empty);
    auto r = pkg({"build", "-y", "writable"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("/usr/share/open is world-writable"), std::string::npos) << r.err;
    auto e = pkg({"build", "-y", "empty"});
    EXPECT_EQ(e.status, 1);
    EXPECT_NE(e.err.find("the build installed nothing into DESTDIR"), std::string::npos) << e.err;
}

TEST_F(Build, JsonGivesThePlanAndThePackages) {
    add(hello_port("jsonny", "j"));
    auto r = pkg({"--json", "install", "-y", "jsonny"});
    ASSERT_EQ(r.status, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["steps"][0]["port"], "jsonny");
    EXPECT_EQ(j["steps"][0]["action"], "build");
    EXPECT_EQ(j["steps"][0]["install"], true);
    EXPECT_EQ(j["packages"][0]["reused"], false);
    // Events: the phases, each with its log.
    std::vector<std::string> phases;
    std::istringstream lines(r.err);
    for (std::string line; std::getline(lines, line);) {
        auto e = nlohmann::json::parse(line);
        if (e["event"] == "build" && e["kind"] == "phase") phases.push_back(e["phase"]);
    }
    EXPECT_EQ(phases, (std::vector<std::string>{"build", "install", "package"}));
}

}  // namespace

namespace {

TEST_F(Build, OutdatedAndUpgradeFollowABumpedPortAndLeaveAHeldOneAlone) {
    add(hello_port("bumped", "one"));
    add(hello_port("pinned", "one"));
    ASSERT_EQ(pkg({"install", "-y", "bumped", "pinned"}).status, 0);
    EXPECT_EQ(pkg({"outdated"}).out, "");
    ASSERT_EQ(pkg({"hold", "pinned"}).status, 0);

    TestPort bumped = hello_port("bumped", "two");
    bumped.version = "1.1";
    add(bumped);
    TestPort pinned = hello_port("pinned", "two");
    pinned.members += ",\n  \"release\": 2";
    add(pinned);
    auto outdated = pkg({"outdated"});
    ASSERT_EQ(outdated.status, 0) << outdated.err;
    EXPECT_EQ(outdated.out, "bumped 1.0-1 -> 1.1-1\npinned 1.0-1 -> 1.0-2 [held]\n");

    auto dry = pkg({"upgrade", "--dry-run"});
    ASSERT_EQ(dry.status, 0) << dry.err;
    EXPECT_EQ(dry.out, "fetch bumped-1.1.tar.gz\nbuild bumped 1.1-1, then upgrade\n");
    EXPECT_NE(dry.err.find("pinned is held: left at 1.0-1 (1.0-2 is available)"), std::string::npos) << dry.err;

    auto r = pkg({"upgrade", "-y"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.err.find("upgraded bumped 1.0-1 -> 1.1-1"), std::string::npos) << r.err;
    EXPECT_EQ(output_of(root / "usr/bin/bumped"), "two\n");
    EXPECT_EQ(output_of(root / "usr/bin/pinned"), "one\n");
    EXPECT_EQ(pkg({"outdated"}).out, "pinned 1.0-1 -> 1.0-2 [held]\n");
    EXPECT_EQ(pkg({"upgrade", "-y"}).out, "nothing to upgrade\n");
}

// A port whose host tool is a port of the tree, not on the build machine:
// pkg does not install into / on its own.
TEST_F(Build, AMissingHostToolExitsSixNamingIt) {
    add(hello_port("tool", "tool"));
    TestPort p = hello_port("needs-tool", "x");
    p.members = ",\n  \"depends\": {\"host\": [\"tool\"]},\n  \"build\": {\"style\": \"make\"}";
    add(p);
    auto r = pkg({"install", "-y", "needs-tool"});
    EXPECT_EQ(r.status, 6);
    EXPECT_NE(r.err.find("needs-tool needs the host tool tool, which the build machine lacks"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir / "packages"));
}

TEST_F(Build, AnUnprivilegedUserBuildsAndInstallsIntoTheirOwnRoot) {
    add(library_port());
    add(program_port());
    // Everything the user writes is theirs.
    for (const auto& entry : fs::recursive_directory_iterator(dir)) ::lchown(entry.path().c_str(), 65534, 65534);
    ::lchown(dir.c_str(), 65534, 65534);
    auto r = pkgtest::run_pkg_unprivileged({"--config", conf.string(), "--root", root.string(), "install", "-y", "greet"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(output_of(root / "usr/bin/greet"), "hello from libgreet\n");
    struct stat st{};
    ASSERT_EQ(::stat((root / "usr/bin/greet").c_str(), &st), 0);
    if (::geteuid() == 0) {
        EXPECT_EQ(st.st_uid, 65534u);
    }
}

}  // namespace

namespace {

TEST_F(Build, ACleanPortBuildsReproducibly) {
    TestPort p = hello_port("clean", "same every time");
    p.source["Makefile"] = "hello: hello.c\n\t$(CC) $(CFLAGS) -o $@ hello.c\n"
                           "install: hello\n\tinstall -d -m 755 $(DESTDIR)$(PREFIX)/bin\n"
                           "\tinstall -m 755 hello $(DESTDIR)$(PREFIX)/bin/clean\n";
    add(p);
    auto r = pkg({"build", "-y", "--check-reproducible", "clean"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("clean: reproducible (sha256 "), std::string::npos) << r.out;
    fs::path package = dir / "packages" / pkg::build_triplet() / "clean-1.0-1-x86_64.pkg.tar.zst";
    EXPECT_TRUE(fs::exists(package));
    // Two builds, two directories: both gone.
    for (const auto& d : fs::directory_iterator(dir / "builds")) EXPECT_EQ(d.path().filename(), "toolchains");
}

TEST_F(Build, AnUnreproduciblePortIsReportedPerMember) {
    TestPort p;
    p.name = "stamped";
    p.source["Makefile"] = "all:\n\tdate +%s%N >stamp\n"
                           "install:\n\tinstall -d -m 755 $(DESTDIR)/usr/share/stamped\n"
                           "\tinstall -m 644 stamp $(DESTDIR)/usr/share/stamped/stamp\n"
                           "\tinstall -m 644 Makefile $(DESTDIR)/usr/share/stamped/same\n"
                           "\tmkdir -p $(DESTDIR)/usr/share/stamped/by-umask\n";
    p.members = ",\n  \"build\": {\"style\": \"make\"}";
    add(p);
    auto r = pkg({"--json", "build", "-y", "--check-reproducible", "stamped"});
    EXPECT_EQ(r.status, 3) << r.err;
    auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j["reproducible"].size(), 1u);
    const auto& check = j["reproducible"][0];
    EXPECT_EQ(check["identical"], false);
    std::map<std::string, std::string> what;
    for (const auto& d : check["differences"]) what[d["path"]] = d["what"];
    EXPECT_EQ(what["usr/share/stamped/stamp"], "content");
    EXPECT_EQ(what["usr/share/stamped/by-umask"], "mode 0755 / 0775");
    EXPECT_EQ(what.count("usr/share/stamped/same"), 0u);
    EXPECT_EQ(what.size(), 2u) << r.out;
}

}  // namespace

namespace {

TEST_F(Build, CleanRemovesWhatNoPortNeeds) {
    add(hello_port("kept", "k"));
    add(hello_port("old", "o"));
    TestPort broken = hello_port("broken", "b");
    broken.source["Makefile"] = "hello:\n\t@false\ninstall:\n";
    add(broken);
    ASSERT_EQ(pkg({"build", "-y", "kept", "old"}).status, 0);
    EXPECT_EQ(pkg({"build", "-y", "broken"}).status, 1);  // leaves its build directory
    TestPort bumped = hello_port("old", "o2");
    bumped.version = "2.0";
    add(bumped);  // old-1.0's package and distfile are no longer needed
    write_file(dir / "cache" / "stray-1.0.tar.gz", "stray");

    auto dry = pkg({"--json", "clean", "--dry-run"});
    ASSERT_EQ(dry.status, 0) << dry.err;
    auto j = nlohmann::json::parse(dry.out);
    std::vector<std::string> removed;
    for (const auto& item : j["removed"]) {
        removed.push_back(item["kind"].get<std::string>() + " " +
                          fs::path(item["path"].get<std::string>()).filename().string().substr(0, 10));
    }
    EXPECT_EQ(removed, (std::vector<std::string>{"distfile old-1.0.ta", "distfile stray-1.0.", "package old-1.0-1-",
                                                 "build broken-1.0"}))
        << dry.out;
    EXPECT_TRUE(fs::exists(dir / "cache" / "stray-1.0.tar.gz"));

    auto r = pkg({"clean"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_FALSE(fs::exists(dir / "cache" / "stray-1.0.tar.gz"));
    EXPECT_FALSE(fs::exists(dir / "cache" / "old-1.0.tar.gz"));
    EXPECT_TRUE(fs::exists(dir / "cache" / "kept-1.0.tar.gz"));
    fs::path packages = dir / "packages" / pkg::build_triplet();
    EXPECT_FALSE(fs::exists(packages / "old-1.0-1-x86_64.pkg.tar.zst"));
    EXPECT_FALSE(fs::exists(packages / "old-1.0-1-x86_64.pkg.tar.zst.build"));
    EXPECT_TRUE(fs::exists(packages / "kept-1.0-1-x86_64.pkg.tar.zst"));
    for (const auto& d : fs::directory_iterator(dir / "builds")) EXPECT_EQ(d.path().filename(), "toolchains");
    EXPECT_EQ(pkg({"clean"}).out, "nothing to clean\n");
}

}  // namespace

namespace {

TEST_F(Build, PackageFilesAndPortsMayBeMixed) {
    add(hello_port("fromport", "port"));
    write_file(dir / "staged/usr/share/extra/file", "extra\n");
    auto create = pkgtest::run_pkg({"create", "--from", (dir / "staged").string(), "--name", "extra", "--pkgver", "1.0",
                                    "-o", dir.string()});
    ASSERT_EQ(create.status, 0) << create.err;
    std::string file = (dir / ("extra-1.0-1-" + std::string(pkgtest::run_process({"/usr/bin/uname", "-m"}).out.substr(0, 6)) +
                               ".pkg.tar.zst")).string();
    ASSERT_TRUE(fs::exists(file)) << file;
    auto r = pkg({"install", "-y", file, "fromport"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(output_of(root / "usr/bin/fromport"), "port\n");
    EXPECT_EQ(read_file(root / "usr/share/extra/file"), "extra\n");
    EXPECT_EQ(pkg({"list"}).out.find("extra 1.0-1"), 0u) << pkg({"list"}).out;
}

}  // namespace

namespace {

// build-timeout: a phase that runs too long is killed with everything it
// started, and the build fails naming the phase.
TEST_F(Build, APhasePastTheTimeoutIsKilled) {
    write_file(conf, read_file(conf) + "build-timeout = 1\n");
    TestPort p = hello_port("slow", "never");
    p.source["Makefile"] = "hello:\n\tsleep 1000 & sleep 1000\ninstall:\n";
    add(p);
    auto r = pkg({"install", "-y", "slow"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("building slow: the build phase failed (timed out after 1 s)"), std::string::npos) << r.err;
    EXPECT_EQ(pkg({"list"}).out, "");
}

}  // namespace

namespace {

TEST_F(Build, AFirstInstallMakesItsRootButADryRunDoesNot) {
    add(hello_port("first", "first"));
    fs::path fresh = dir / "fresh" / "root";
    auto dry = pkgtest::run_pkg({"--config", conf.string(), "--root", fresh.string(), "install", "--dry-run", "first"});
    EXPECT_NE(dry.status, 0);
    EXPECT_FALSE(fs::exists(fresh));
    auto r = pkgtest::run_pkg({"--config", conf.string(), "--root", fresh.string(), "install", "-y", "first"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(output_of(fresh / "usr/bin/first"), "first\n");
    auto remove = pkgtest::run_pkg({"--root", (dir / "other").string(), "remove", "-y", "first"});
    EXPECT_NE(remove.status, 0);
    EXPECT_FALSE(fs::exists(dir / "other"));
}

}  // namespace

namespace {

// The build script pkg hands the shell is the port's own file: a link to
// /dev/zero (which would never end) or out of the tree is refused.
TEST_F(Build, ABuildScriptThatIsALinkIsRefused) {
    TestPort p;
    p.name = "linked";
    p.source["data"] = "x\n";
    p.members = ",\n  \"build\": {\"style\": \"custom\"}";
    add(p);
    fs::create_symlink("/dev/zero", dir / "ports/test/linked/build");
    auto r = pkg({"install", "-y", "linked"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("build is not a regular file of the port (a symbolic link)"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(root / "usr"));
}

}  // namespace
