// Toolchains and targets (DESIGN.md, "Build machine, target, toolchain"):
// a cross build for aarch64 with Debian's cross compiler, run under qemu;
// and pkg's own musl toolchain, from musl built from source into a scratch
// root, giving programs that need only that root and run in it.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "pkg/config.hpp"
#include "pkg/digest.hpp"
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

class Toolchains : public ::testing::Test {
protected:
    pkgtest::ScratchDir scratch;
    fs::path dir = scratch.path();
    fs::path root = dir / "root";
    fs::path conf = dir / "pkg.conf";

    void SetUp() override {
        fs::create_directories(root);
        fs::permissions(dir, fs::perms(0755));
    }

    // A port of one C program printing `text`, installed as /usr/bin/NAME.
    void add_hello(const std::string& name, const std::string& text, const std::string& depends) {
        fs::path src = dir / "src" / (name + "-1.0");
        write_file(src / "hello.c", "#include <stdio.h>\nint main(void) { puts(\"" + text + "\"); return 0; }\n");
        write_file(src / "Makefile", "hello: hello.c\n\t$(CC) $(CFLAGS) -o $@ hello.c\n"
                                     "install: hello\n\tinstall -d -m 755 $(DESTDIR)$(PREFIX)/bin\n"
                                     "\tinstall -m 755 hello $(DESTDIR)$(PREFIX)/bin/" + name + "\n");
        std::string tarball = (dir / (name + "-1.0.tar.gz")).string();
        auto tar = pkgtest::run_process({"/usr/bin/tar", "-C", (dir / "src").string(), "-czf", tarball, name + "-1.0"});
        ASSERT_EQ(tar.status, 0) << tar.err;
        pkg::Hasher h(pkg::DigestAlgorithm::sha256);
        h.update(read_file(tarball));
        write_file(dir / "ports/test" / name / "port.json",
                   "{\"name\": \"" + name + "\", \"version\": \"1.0\", \"summary\": \"s\", \"license\": \"MIT\",\n"
                   " \"sources\": [{\"url\": \"file://" + tarball + "\", \"sha256\": \"" + h.finish() + "\"}]," +
                       depends + "\n \"build\": {\"style\": \"make\"}}\n");
    }

    pkgtest::ProcessResult pkg(std::vector<std::string> args) {
        args.insert(args.begin(), {"--config", conf.string(), "--root", root.string()});
        return pkgtest::run_pkg(args);
    }
};

TEST_F(Toolchains, ACrossBuildForAarch64RunsUnderQemu) {
    if (!fs::exists("/usr/bin/aarch64-linux-gnu-gcc") || !fs::exists("/usr/bin/qemu-aarch64-static")) {
        GTEST_SKIP() << "needs Debian's gcc-aarch64-linux-gnu and qemu-user-static (.ci/packages)";
    }
    write_file(conf, "ports = ports\ncache-dir = cache\npackages-dir = packages\nbuild-dir = builds\n"
                     "assume-installed = sh cc make\ntarget = aarch64-linux-gnu\n");
    add_hello("armhello", "hello from aarch64", "");
    auto r = pkg({"install", "-y", "armhello"});
    ASSERT_EQ(r.status, 0) << r.err;
    fs::path program = root / "usr/bin/armhello";
    auto elf = pkgtest::run_process({"/usr/bin/readelf", "-h", program.string()});
    EXPECT_NE(elf.out.find("AArch64"), std::string::npos) << elf.out;
    auto run = pkgtest::run_process({"/usr/bin/qemu-aarch64-static", "-L", "/usr/aarch64-linux-gnu", program.string()});
    EXPECT_EQ(run.out, "hello from aarch64\n") << run.err;
    EXPECT_TRUE(fs::exists(dir / "packages/aarch64-linux-gnu/armhello-1.0-1-aarch64.pkg.tar.zst"));
    // The root now takes only aarch64-linux-gnu packages.
    write_file(dir / "native.conf", "ports = ports\ncache-dir = cache\npackages-dir = packages\nbuild-dir = builds\n"
                                    "assume-installed = sh cc make\n");
    add_hello("nativehello", "native", "");
    auto native = pkgtest::run_pkg({"--config", (dir / "native.conf").string(), "--root", root.string(), "install", "-y",
                                    "nativehello"});
    EXPECT_EQ(native.status, 6) << native.err;
    EXPECT_NE(native.err.find("nativehello is built for " + pkg::build_triplet() + ", the root for aarch64-linux-gnu"),
              std::string::npos)
        << native.err;
}

// musl from source (its distfile fetched by tests/run's setup into the
// tree's build/distfiles, served here as a mirror), then a program built
// with pkg's musl toolchain.
TEST_F(Toolchains, MuslToolchainProgramsNeedOnlyTheRootAndRunInIt) {
    fs::path distfiles = fs::path(pkgtest::source_dir()) / "build/distfiles";
    if (!fs::exists(distfiles / "musl_1.2.3.orig.tar.gz") && !fs::exists(distfiles / "musl-1.2.3.tar.gz")) {
        GTEST_SKIP() << "musl's distfile is not in " << distfiles.string()
                     << " (tests/run fetches it: pkg --config etc/pkg.conf fetch musl)";
    }
    if (::geteuid() != 0) GTEST_SKIP() << "the chroot needs root";
    write_file(conf, "ports = ports " + pkgtest::source_dir() + "/ports\ncache-dir = cache\npackages-dir = packages\n"
                     "build-dir = builds\nassume-installed = sh cc make\ntarget = x86_64-linux-musl\n"
                     "mirrors = file://" + distfiles.string() + "\n");
    add_hello("muslhello", "hello from musl", "\n \"depends\": {\"build\": [\"musl\"], \"run\": [\"musl\"]},");
    auto r = pkg({"install", "-y", "muslhello"});
    ASSERT_EQ(r.status, 0) << r.err;
    fs::path program = root / "usr/bin/muslhello";
    auto headers = pkgtest::run_process({"/usr/bin/readelf", "-l", program.string()});
    EXPECT_NE(headers.out.find("[Requesting program interpreter: /lib/ld-musl-x86_64.so.1]"), std::string::npos)
        << headers.out;
    auto dynamic = pkgtest::run_process({"/usr/bin/readelf", "-d", program.string()});
    size_t needed = 0;
    for (size_t at = dynamic.out.find("(NEEDED)"); at != std::string::npos; at = dynamic.out.find("(NEEDED)", at + 1)) {
        ++needed;
    }
    EXPECT_EQ(needed, 1u) << dynamic.out;
    EXPECT_NE(dynamic.out.find("Shared library: [libc.so]"), std::string::npos) << dynamic.out;
    std::string bytes = read_file(program);
    EXPECT_EQ(bytes.find(dir.string()), std::string::npos) << "the binary holds a path of the build machine";
    EXPECT_EQ(bytes.find("x86_64-linux-gnu"), std::string::npos);
    // It runs in the root it was built for, and nowhere else here.
    auto run = pkgtest::run_process({"/usr/sbin/chroot", root.string(), "/usr/bin/muslhello"});
    EXPECT_EQ(run.out, "hello from musl\n") << run.err;
    bool ran_on_host = false;
    try {
        ran_on_host = pkgtest::run_process({program.string()}).status == 0;
    } catch (const std::exception&) {
        ran_on_host = false;  // exec fails: /lib/ld-musl-x86_64.so.1 is not on the host
    }
    EXPECT_FALSE(ran_on_host);
}

}  // namespace
