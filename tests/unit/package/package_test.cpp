// Binary packages: the round trip through writer and reader, and determinism.

#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "pkg/package/package_io.hpp"
#include "support/process.hpp"
#include "support/tar_builder.hpp"

namespace {
namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// A staged tree with every entry type, an empty file, a large file, a long
// path, unicode names, an absolute symlink, a setuid file and a hard link.
void stage(const fs::path& root) {
    fs::create_directories(root / "usr/bin");
    fs::create_directories(root / "etc");
    fs::create_directories(root / "lib");
    fs::create_directories(root / "usr/share/empty-dir");
    std::ofstream(root / "usr/bin/tool") << "#!/bin/sh\necho tool\n";
    chmod((root / "usr/bin/tool").c_str(), 04755);
    fs::create_hard_link(root / "usr/bin/tool", root / "usr/bin/tool-alias");
    std::ofstream(root / "etc/tool.conf") << "setting = 1\n";
    std::ofstream(root / "etc/empty");
    std::string big(5 << 20, '\0');
    for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 2654435761u) >> 13);
    std::ofstream(root / "usr/share/big.bin", std::ios::binary) << big;
    fs::create_symlink("/usr/lib/libc.so", root / "lib/ld-musl-x86_64.so.1");
    fs::create_symlink("tool", root / "usr/bin/relative-link");
    std::string deep = "usr/share";
    for (int i = 0; i < 15; ++i) deep += "/" + std::string(200, static_cast<char>('a' + i));
    fs::create_directories(root / deep);
    std::ofstream(root / deep / std::string(255, 'z')) << "deep\n";
    fs::create_directories(root / "usr/share/\xc3\xa9t\xc3\xa9");
    std::ofstream(root / "usr/share/\xc3\xa9t\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac.txt") << "unicode\n";
}

pkg::PackageSpec spec_for(const fs::path& staged) {
    pkg::PackageSpec spec;
    spec.staged = staged;
    spec.metadata.name = "tool";
    spec.metadata.version = "2:1.0";
    spec.metadata.release = "3";
    spec.metadata.arch = "x86_64";
    spec.metadata.depends = {"musl>=1.2"};
    spec.metadata.provides = {"tool-bin=1.0"};
    spec.metadata.conflicts = {"oldtool"};
    spec.metadata.source_date_epoch = 1700000000;
    spec.config_files = {"etc/tool.conf"};
    return spec;
}

TEST(Package, RoundTripKeepsEveryEntryType) {
    pkgtest::ScratchDir dir;
    fs::path staged = fs::path(dir.path()) / "staged";
    stage(staged);
    fs::path file = fs::path(dir.path()) / "tool.pkg.tar.zst";
    pkg::PackageManifest written = pkg::write_package(spec_for(staged), file);
    EXPECT_EQ(written.file_name(), "tool-2,1.0-3-x86_64.pkg.tar.zst");

    fs::path root = fs::path(dir.path()) / "root";
    fs::create_directories(root);
    pkg::PackageManifest read = pkg::extract_package(file, root);
    EXPECT_EQ(read.to_json(), written.to_json());
    // Every staged path is there with its type, mode, content and target.
    for (auto it = fs::recursive_directory_iterator(staged); it != fs::recursive_directory_iterator(); ++it) {
        fs::path rel = it->path().lexically_relative(staged);
        struct stat a {}, b {};
        ASSERT_EQ(lstat(it->path().c_str(), &a), 0);
        ASSERT_EQ(lstat((root / rel).c_str(), &b), 0) << rel;
        EXPECT_EQ(a.st_mode, b.st_mode) << rel;
        if (S_ISREG(a.st_mode)) {
            EXPECT_EQ(read_file(it->path()), read_file(root / rel)) << rel;
        }
        if (S_ISLNK(a.st_mode)) {
            EXPECT_EQ(fs::read_symlink(it->path()), fs::read_symlink(root / rel)) << rel;
        }
    }
    struct stat tool {}, alias {};
    lstat((root / "usr/bin/tool").c_str(), &tool);
    lstat((root / "usr/bin/tool-alias").c_str(), &alias);
    EXPECT_EQ(tool.st_ino, alias.st_ino);  // the hard link is a hard link again
    EXPECT_EQ(tool.st_mode & 07777, 04755u);
    EXPECT_EQ(fs::read_symlink(root / "lib/ld-musl-x86_64.so.1"), "/usr/lib/libc.so");
    bool config = false;
    for (const auto& e : read.entries) config = config || (e.path == "etc/tool.conf" && e.config);
    EXPECT_TRUE(config);
}

// Stages the same tree as stage(), differently: entries created in reverse
// order, in a directory of another name, under umask 077 with the modes set
// afterwards, the hard link made the other way round, and mtimes (all after
// the epoch) other than the first tree's.
void stage_differently(const fs::path& root) {
    mode_t old = umask(077);
    std::string deep = "usr/share";
    for (int i = 0; i < 15; ++i) deep += "/" + std::string(200, static_cast<char>('a' + i));
    fs::create_directories(root / "usr/share/\xc3\xa9t\xc3\xa9");
    std::ofstream(root / "usr/share/\xc3\xa9t\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac.txt") << "unicode\n";
    fs::create_directories(root / deep);
    std::ofstream(root / deep / std::string(255, 'z')) << "deep\n";
    fs::create_directories(root / "usr/bin");
    fs::create_symlink("tool", root / "usr/bin/relative-link");
    fs::create_directories(root / "lib");
    fs::create_symlink("/usr/lib/libc.so", root / "lib/ld-musl-x86_64.so.1");
    std::string big(5 << 20, '\0');
    for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 2654435761u) >> 13);
    std::ofstream(root / "usr/share/big.bin", std::ios::binary) << big;
    fs::create_directories(root / "etc");
    std::ofstream(root / "etc/empty");
    std::ofstream(root / "etc/tool.conf") << "setting = 1\n";
    std::ofstream(root / "usr/bin/tool-alias") << "#!/bin/sh\necho tool\n";
    fs::create_hard_link(root / "usr/bin/tool-alias", root / "usr/bin/tool");
    fs::create_directories(root / "usr/share/empty-dir");
    umask(old);
    // The modes stage() gets under the usual umask 022.
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
        if (it->is_symlink()) continue;
        fs::permissions(it->path(), fs::perms(it->is_directory() ? 0755 : 0644));
    }
    chmod((root / "usr/bin/tool").c_str(), 04755);
    auto later = fs::file_time_type::clock::now() + std::chrono::hours(5);
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
        if (!it->is_symlink()) fs::last_write_time(it->path(), later);
        later += std::chrono::seconds(7);
    }
}

TEST(Package, SameInputTwiceIsByteIdentical) {
    pkgtest::ScratchDir one, two;
    fs::path a = fs::path(one.path()) / "staged-first";
    fs::path b = fs::path(two.path()) / "x" / "staged-elsewhere";
    mode_t old = umask(022);
    stage(a);
    umask(old);
    stage_differently(b);
    // Both trees' mtimes lie after the epoch; the packages clamp them all to it.
    auto spec_a = spec_for(a), spec_b = spec_for(b);
    spec_a.metadata.source_date_epoch = spec_b.metadata.source_date_epoch = 1000000000;
    pkg::write_package(spec_a, fs::path(one.path()) / "p.pkg.tar.zst");
    pkg::write_package(spec_b, fs::path(two.path()) / "p.pkg.tar.zst");
    std::string first = read_file(fs::path(one.path()) / "p.pkg.tar.zst");
    std::string second = read_file(fs::path(two.path()) / "p.pkg.tar.zst");
    EXPECT_GT(first.size(), 100u);
    EXPECT_TRUE(first == second) << "packages differ: " << first.size() << " and " << second.size() << " bytes";
}

TEST(Package, AnMtimeBeforeTheEpochIsKeptAndMakesTheDifference) {
    pkgtest::ScratchDir dir;
    fs::path staged = fs::path(dir.path()) / "s";
    fs::create_directories(staged);
    std::ofstream(staged / "f") << "x";
    auto spec = spec_for(staged);
    spec.config_files.clear();
    spec.metadata.source_date_epoch = 2000000000;
    auto at = [&](std::int64_t seconds, const char* name) {
        struct timespec times[2] = {{seconds, 0}, {seconds, 0}};
        utimensat(AT_FDCWD, (staged / "f").c_str(), times, AT_SYMLINK_NOFOLLOW);
        utimensat(AT_FDCWD, staged.c_str(), times, AT_SYMLINK_NOFOLLOW);
        fs::path file = fs::path(dir.path()) / name;
        pkg::write_package(spec, file);
        return read_file(file);
    };
    std::string early = at(1500000000, "early.pkg");
    std::string early_again = at(1500000000, "early-again.pkg");
    std::string other = at(1500000001, "other.pkg");
    EXPECT_TRUE(early == early_again);
    EXPECT_FALSE(early == other) << "an mtime before the epoch must be kept";
}

TEST(Package, MtimesAreClampedToSourceDateEpoch) {
    pkgtest::ScratchDir dir;
    fs::path staged = fs::path(dir.path()) / "s";
    fs::create_directories(staged);
    std::ofstream(staged / "f") << "x";
    auto spec = spec_for(staged);
    spec.config_files.clear();
    spec.metadata.source_date_epoch = 1000;
    fs::path file = fs::path(dir.path()) / "p.pkg.tar.zst";
    pkg::write_package(spec, file);
    fs::path root = fs::path(dir.path()) / "root";
    fs::create_directories(root);
    pkg::extract_package(file, root);  // the reader refuses mtimes past the epoch, so this checks the clamp
    EXPECT_EQ(pkg::read_package_manifest(file).source_date_epoch, 1000);
}

TEST(Package, WriterRefusesSpecialFilesNamingThem) {
    pkgtest::ScratchDir dir;
    fs::path staged = fs::path(dir.path()) / "s";
    fs::create_directories(staged);
    ASSERT_EQ(mkfifo((staged / "fifo").c_str(), 0644), 0);
    auto spec = spec_for(staged);
    spec.config_files.clear();
    try {
        pkg::write_package(spec, fs::path(dir.path()) / "p.pkg.tar.zst");
        FAIL();
    } catch (const pkg::Error& e) {
        EXPECT_NE(std::string(e.what()).find((staged / "fifo").string()), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(fs::path(dir.path()) / "p.pkg.tar.zst"));
}

TEST(Package, WriterRefusesMissingConfigFile) {
    pkgtest::ScratchDir dir;
    fs::path staged = fs::path(dir.path()) / "s";
    fs::create_directories(staged);
    auto spec = spec_for(staged);
    try {
        pkg::write_package(spec, fs::path(dir.path()) / "p.pkg.tar.zst");
        FAIL() << "no error";
    } catch (const pkg::Error& e) {
        EXPECT_STREQ(e.what(), "configuration file etc/tool.conf is not a regular file of the staged tree");
    }
    fs::create_directories(staged / "etc/tool.conf");  // a directory is not a configuration file either
    EXPECT_THROW(pkg::write_package(spec, fs::path(dir.path()) / "p.pkg.tar.zst"), pkg::Error);
    EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(Package, WriterRefusesUpFrontWhatTheReaderWould) {
    pkgtest::ScratchDir dir;
    fs::path staged = fs::path(dir.path()) / "s";
    fs::create_directories(staged);
    for (int i = 0; i < 10; ++i) std::ofstream(staged / ("file-" + std::to_string(i))) << i;
    auto spec = spec_for(staged);
    spec.config_files.clear();
    fs::path out = fs::path(dir.path()) / "p.pkg.tar.zst";
    spec.limits.entries = 9;
    try {
        pkg::write_package(spec, out);
        FAIL() << "no error";
    } catch (const pkg::Error& e) {
        EXPECT_NE(std::string(e.what()).find("holds more than 9 entries"), std::string::npos) << e.what();
    }
    spec.limits = {};
    spec.limits.manifest_bytes = 1000;
    try {
        pkg::write_package(spec, out);
        FAIL() << "no error";
    } catch (const pkg::Error& e) {
        EXPECT_NE(std::string(e.what()).find("more than the 1000 pkg-package(5) allows"), std::string::npos)
            << e.what();
    }
    EXPECT_FALSE(fs::exists(out));
    spec.limits = {};
    pkg::write_package(spec, out);
    spec.limits.manifest_bytes = 1000;
    EXPECT_THROW(pkg::read_package_manifest(out, spec.limits), pkg::PackageError);
}

// pkg-package(5)'s limits agree: the most entries a package may hold, with
// paths of 150 bytes each (as the page says), make a manifest within its cap.
TEST(Package, TheEntryLimitFitsTheManifestCap) {
    pkg::PackageLimits limits;
    pkg::PackageManifest m;
    m.name = "big";
    m.version = "1";
    m.arch = "any";
    std::size_t empty = m.to_json().size();
    // Every entry has the same length, so 1,000 of them measure them all.
    for (std::uint64_t i = 0; i < 1000; ++i) {
        pkg::PackageEntry e;
        e.path = fmt::format("usr/share/texmf-dist/fonts/type1/public/some-font-family/variant-{:08}.pfb", i);
        e.path += std::string(150 - e.path.size(), 'x');
        e.mode = 0644;
        e.size = 123456789;
        e.sha256 = std::string(64, 'a');
        m.entries.push_back(std::move(e));
    }
    std::size_t thousand = m.to_json().size() - empty;
    EXPECT_LE(empty + thousand * (limits.entries / 1000), limits.manifest_bytes);
}

TEST(Package, ValidTestPackageIsAccepted) {
    // The hostile corpus starts from this package: it must itself be valid.
    pkgtest::ScratchDir dir;
    std::string file = dir.write("p.pkg.tar.zst", pkgtest::TestPackage::valid().bytes());
    pkg::PackageVisitor nothing;
    EXPECT_EQ(pkg::read_package(file, nothing).entries.size(), 8u);
    fs::create_directories(fs::path(dir.path()) / "root");
    EXPECT_NO_THROW(pkg::extract_package(file, fs::path(dir.path()) / "root"));
}

TEST(Package, FileNameSpellsTheEpochWithAComma) {
    pkg::PackageManifest m;
    m.name = "zlib";
    m.version = "1:1.2.13";
    m.release = "1";
    m.arch = "aarch64";
    EXPECT_EQ(m.file_name(), "zlib-1,1.2.13-1-aarch64.pkg.tar.zst");
    m.version = "1.2.13";
    m.arch = "any";
    EXPECT_EQ(m.file_name(), "zlib-1.2.13-1-any.pkg.tar.zst");
}

}  // namespace

namespace {

TEST(Package, AnUnprivilegedUserExtractsAReadOnlyDirectoryWithItsChildren) {
    pkgtest::ScratchDir dir;
    fs::permissions(dir.path(), fs::perms(0777));
    fs::path staged = fs::path(dir.path()) / "s";
    fs::create_directories(staged / "usr/share/ro/deeper");
    std::ofstream(staged / "usr/share/ro/file") << "x";
    std::ofstream(staged / "usr/share/ro/deeper/file") << "y";
    fs::permissions(staged / "usr/share/ro/deeper", fs::perms(0555));
    fs::permissions(staged / "usr/share/ro", fs::perms(0555));
    auto spec = spec_for(staged);
    spec.config_files.clear();
    fs::path file = fs::path(dir.path()) / "p.pkg.tar.zst";
    pkg::write_package(spec, file);
    fs::permissions(file, fs::perms(0644));
    fs::path root = fs::path(dir.path()) / "root";
    int status = pkgtest::in_child_as_nobody([&] {
        fs::create_directories(root);
        pkg::extract_package(file, root);
        return 0;
    });
    ASSERT_EQ(status, 0);
    struct stat ro {}, deeper {};
    ASSERT_EQ(lstat((root / "usr/share/ro").c_str(), &ro), 0);
    ASSERT_EQ(lstat((root / "usr/share/ro/deeper").c_str(), &deeper), 0);
    EXPECT_EQ(ro.st_mode & 07777, 0555u);
    EXPECT_EQ(deeper.st_mode & 07777, 0555u);
    EXPECT_EQ(read_file(root / "usr/share/ro/deeper/file"), "y");
    fs::permissions(root / "usr/share/ro/deeper", fs::perms(0755));  // so that the scratch directory can go
    fs::permissions(root / "usr/share/ro", fs::perms(0755));
}

}  // namespace
