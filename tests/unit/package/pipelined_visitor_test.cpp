// PipelinedVisitor: what the reader streams reaches the other visitor on its
// thread whole and in order; an error on either side stops both, and a
// member that fails verification never reaches its end.

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "pkg/error.hpp"
#include "pkg/package/package_io.hpp"
#include "support/process.hpp"
#include "support/tar_builder.hpp"

namespace {
namespace fs = std::filesystem;

// Records every call, with the thread it came on.
struct Recorder : pkg::PackageVisitor {
    std::vector<std::string> calls;
    std::string content;  ///< every file's bytes, in order
    std::vector<std::thread::id> threads;
    std::string fail_at;  ///< begin() of this path throws
    void begin(const pkg::PackageEntry& e) override {
        threads.push_back(std::this_thread::get_id());
        if (e.path == fail_at) throw std::runtime_error("the visitor refuses " + e.path);
        calls.push_back("begin " + e.path);
    }
    void data(const pkg::PackageEntry& e, const void* bytes, std::size_t size) override {
        content.append(static_cast<const char*>(bytes), size);
        if (calls.back() != "data " + e.path) calls.push_back("data " + e.path);
    }
    void end(const pkg::PackageEntry& e) override { calls.push_back("end " + e.path); }
    void finished() override { calls.push_back("finished"); }
};

// 600 small files in 6 directories and one of 3 MiB: more than one batch of
// members, and a file whose data spans batches.
fs::path make_package(const fs::path& dir) {
    fs::path tree = dir / "tree";
    for (int d = 0; d < 6; ++d) {
        fs::create_directories(tree / ("d" + std::to_string(d)));
        for (int f = 0; f < 100; ++f) {
            std::ofstream(tree / ("d" + std::to_string(d)) / ("f" + std::to_string(f))) << d << "/" << f << "\n";
        }
    }
    std::string big(3 << 20, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 2654435761u) >> 11);
    std::ofstream(tree / "d3/big", std::ios::binary) << big;
    pkg::PackageSpec spec;
    spec.staged = tree;
    spec.metadata.name = "many";
    spec.metadata.version = "1";
    spec.metadata.release = "1";
    spec.metadata.arch = "any";
    fs::path file = dir / "many.pkg.tar.zst";
    pkg::write_package(spec, file);
    return file;
}

TEST(PipelinedVisitor, PlaysEverythingInOrderOnItsOwnThreadBeforeReadingEnds) {
    pkgtest::ScratchDir dir;
    fs::path file = make_package(dir.path());
    Recorder direct;
    pkg::read_package(file, direct);
    Recorder played;
    {
        pkg::PipelinedVisitor pipelined(played);
        pkg::read_package(file, pipelined);
        pipelined.wait();
        ASSERT_FALSE(played.calls.empty());
        EXPECT_EQ(played.calls.back(), "finished");
    }
    EXPECT_EQ(played.calls, direct.calls);
    EXPECT_EQ(played.content, direct.content);
    EXPECT_GT(played.content.size(), 3u << 20);
    for (const auto& id : played.threads) EXPECT_NE(id, std::this_thread::get_id());
}

TEST(PipelinedVisitor, PackagesFollowOneAnotherThroughOneThread) {
    pkgtest::ScratchDir dir;
    fs::path file = make_package(dir.path());
    Recorder direct;
    pkg::read_package(file, direct);
    pkg::read_package(file, direct);
    pkg::read_package(file, direct);
    Recorder played;
    pkg::PipelinedVisitor pipelined(played);
    for (int i = 0; i < 3; ++i) pkg::read_package(file, pipelined);
    pipelined.wait();
    EXPECT_EQ(played.calls, direct.calls);
    EXPECT_EQ(std::count(played.calls.begin(), played.calls.end(), "finished"), 3);
    EXPECT_EQ(played.content, direct.content);
    for (const auto& id : played.threads) EXPECT_EQ(id, played.threads.front());
}

// Under a process limit that allows no thread, the reader's own thread
// plays everything: the same calls, in the same order.
TEST(PipelinedVisitor, WithoutAThreadToBeHadTheReaderPlaysItAll) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to run a child as nobody under RLIMIT_NPROC 0";
    pkgtest::ScratchDir dir;
    fs::path file = make_package(dir.path());
    fs::permissions(dir.path(), fs::perms::owner_all | fs::perms::others_read | fs::perms::others_exec);
    fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_read);
    Recorder direct;
    pkg::read_package(file, direct);
    int status = pkgtest::in_child_as_nobody([&] {
        struct rlimit none {0, 0};
        if (::setrlimit(RLIMIT_NPROC, &none) != 0) return 2;
        if (std::thread::hardware_concurrency() == 0) return 3;
        try {
            std::thread probe([] {});
            probe.join();
            return 4;  // the limit did not hold: the test would prove nothing
        } catch (const std::system_error&) {
        }
        Recorder played;
        pkg::PipelinedVisitor pipelined(played);
        pkg::read_package(file, pipelined);
        pipelined.wait();
        if (played.calls != direct.calls || played.content != direct.content) return 5;
        for (const auto& id : played.threads) {
            if (id != std::this_thread::get_id()) return 6;
        }
        return 0;
    });
    EXPECT_EQ(status, 0);
}

TEST(PipelinedVisitor, AnErrorOfTheVisitorStopsTheReaderWithIt) {
    pkgtest::ScratchDir dir;
    fs::path file = make_package(dir.path());
    Recorder played;
    played.fail_at = "d2/f50";
    pkg::PipelinedVisitor pipelined(played);
    try {
        // The reader may be through before the thread reaches that member:
        // then wait() says it.
        pkg::read_package(file, pipelined);
        pipelined.wait();
        FAIL() << "neither read_package nor wait threw";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "the visitor refuses d2/f50");
    }
    for (const auto& call : played.calls) EXPECT_NE(call, "finished");
    EXPECT_EQ(std::count(played.calls.begin(), played.calls.end(), "begin d2/f50"), 0);
}

TEST(PipelinedVisitor, AMemberThatFailsVerificationNeverEndsAndTheThreadStops) {
    pkgtest::TestPackage p = pkgtest::TestPackage::valid();
    p.sync();
    // One byte of a file's content changed after the manifest was made.
    std::string changed;
    for (auto& member : p.members) {
        if (member.type == 'f' && !member.data.empty()) {
            member.data[0] = static_cast<char>(member.data[0] ^ 1);
            changed = member.name;
            break;
        }
    }
    ASSERT_FALSE(changed.empty());
    std::string bytes = p.bytes();
    Recorder played;
    {
        pkg::PipelinedVisitor pipelined(played);
        try {
            pkg::read_package_memory(bytes.data(), bytes.size(), "changed", pipelined);
            FAIL() << "read_package_memory did not throw";
        } catch (const pkg::PackageError& e) {
            EXPECT_NE(std::string(e.what()).find("sha256 mismatch"), std::string::npos) << e.what();
        }
    }  // the thread stopped here: what it played is all there will be
    EXPECT_EQ(std::count(played.calls.begin(), played.calls.end(), "end " + changed), 0);
    for (const auto& call : played.calls) EXPECT_NE(call, "finished");
}

}  // namespace
