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
    EXPECT_EQ(plan.out, "build libgreet 1.0-1, then install (as a dependency)\nbuild greet 1.0-1, then install\n");
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
    EXPECT_EQ(again.out, "installed libgreet 1.0-1\ninstalled greet 1.0-1\nnothing to do\n");
}

}  // namespace
