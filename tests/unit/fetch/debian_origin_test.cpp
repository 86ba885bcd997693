#include "pkg/fetch/debian_origin.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>

#include "pkg/error.hpp"
#include "support/process.hpp"

// A Debian source repository on the local disk, made with dpkg-dev's tools
// (dpkg-source -b, then dpkg-scansources for its Sources index; apt-utils'
// apt-ftparchive is not needed), reached by apt through a file: URI: no
// byte leaves the machine.
namespace {

namespace fs = std::filesystem;

constexpr const char* kSource = "pkgtest-hello";
constexpr const char* kOrig = "pkgtest-hello_1.0.orig.tar.gz";

class RecordingSink : public pkg::EventSink {
  public:
    void progress(const pkg::Progress&) override {}
    void message(const pkg::Message& event) override {
        std::lock_guard guard(mutex_);
        messages.push_back(event);
    }
    bool ask(const pkg::Question& question) override { return question.default_answer; }
    std::string all(pkg::Level level) const {
        std::string out;
        for (const auto& m : messages) {
            if (m.level == level)
                out += m.text + "\n";
        }
        return out;
    }
    std::vector<pkg::Message> messages;

  private:
    std::mutex mutex_;
};

void run(const std::vector<std::string>& argv, const std::string& cwd) {
    pkgtest::ProcessResult r = pkgtest::run_process(argv, {.cwd = cwd});
    ASSERT_EQ(r.status, 0) << argv[0] << ": " << r.out << r.err;
}

void write_changelog(const pkgtest::ScratchDir& dir, const std::string& version) {
    dir.write("repo/pkgtest-hello-1.0/debian/changelog",
              std::string(kSource) + " (" + version +
                  ") unstable; urgency=medium\n\n  * Test.\n\n"
                  " -- Nobody <nobody@invalid>  Thu, 01 Jan 2015 00:00:00 +0000\n");
}

// Two revisions of one upstream release: both carry the same orig file.
class DebianOriginTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        repo_dir = new pkgtest::ScratchDir;
        const pkgtest::ScratchDir& d = *repo_dir;
        ::chmod(d.path().c_str(), 0755);  // for the test run as nobody
        const std::string repo = d.path() + "/repo";
        d.write("repo/pkgtest-hello-1.0/README", "hello\n");
        run({"/bin/tar", "-czf", kOrig, "pkgtest-hello-1.0"}, repo);
        d.write("repo/pkgtest-hello-1.0/debian/source/format", "3.0 (quilt)\n");
        d.write("repo/pkgtest-hello-1.0/debian/control",
                "Source: pkgtest-hello\nMaintainer: Nobody <nobody@invalid>\nStandards-Version: "
                "4.6.2\n\n"
                "Package: pkgtest-hello\nArchitecture: all\nDescription: test\n test\n");
        for (const char* version : {"1.0-1", "1.0-2"}) {
            write_changelog(d, version);
            run({"/usr/bin/dpkg-source", "-b", "pkgtest-hello-1.0"}, repo);
        }
        pkgtest::ProcessResult index =
            pkgtest::run_process({"/usr/bin/dpkg-scansources", "."}, {.cwd = repo});
        ASSERT_EQ(index.status, 0) << index.err;
        d.write("repo/Sources", index.out);
        run({"/bin/gzip", "-n", "Sources"}, repo);  // Debian serves its indexes compressed
        orig_sha256 = pkg::file_digest(repo + "/" + kOrig, pkg::DigestAlgorithm::sha256);
        orig_size = fs::file_size(repo + "/" + kOrig);
        d.write("sources.list", "deb-src [trusted=yes] file:" + repo + " ./\n");
    }
    static void TearDownTestSuite() {
        delete repo_dir;
        repo_dir = nullptr;
    }

    pkg::DebianOriginSettings settings() const {
        pkg::DebianOriginSettings s;
        s.state_dir = work.path() + "/apt";
        s.sources_file = repo_dir->path() + "/sources.list";
        // Never the host's sources, whatever happens.
        s.host_apt_dir = "/nonexistent/etc/apt";
        s.host_lists_dir = "/nonexistent/lists";
        return s;
    }
    fs::path scratch() const {
        fs::path dir = fs::path(work.path()) / ("scratch" + std::to_string(++scratches_));
        fs::create_directories(dir);
        return dir;
    }
    static std::string error_of(const std::function<void()>& body) {
        try {
            body();
        } catch (const pkg::VerificationError& e) {
            EXPECT_EQ(e.kind(), pkg::ErrorKind::verification);
            return e.what();
        }
        ADD_FAILURE() << "no VerificationError";
        return "";
    }

    static pkgtest::ScratchDir* repo_dir;
    static std::string orig_sha256;
    static std::uint64_t orig_size;
    pkgtest::ScratchDir work;
    RecordingSink events;
    mutable int scratches_ = 0;
};

pkgtest::ScratchDir* DebianOriginTest::repo_dir = nullptr;
std::string DebianOriginTest::orig_sha256;
std::uint64_t DebianOriginTest::orig_size = 0;

TEST_F(DebianOriginTest, ObtainsThePinnedOrigFile) {
    pkg::DebianOrigin origin(settings(), events);
    fs::path dir = scratch();
    fs::path file = origin.obtain({kSource, "1.0-1", kOrig}, pkg::DigestAlgorithm::sha256,
                                  orig_sha256, orig_size, dir);
    EXPECT_EQ(file, dir / kOrig);
    // A file of the caller's own, not a link into the repository.
    EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(file)));
    EXPECT_EQ(pkg::file_digest(file, pkg::DigestAlgorithm::sha256), orig_sha256);
    EXPECT_TRUE(fs::exists(dir / "pkgtest-hello_1.0-1.dsc")) << "not the pinned version";
    EXPECT_EQ(events.all(pkg::Level::warning), "");
    // pkg's own state, the list copied.
    EXPECT_TRUE(fs::is_directory(work.path() + "/apt/sources.list.d"));
    EXPECT_TRUE(fs::is_empty(work.path() + "/apt/sources.list.d"));
}

TEST_F(DebianOriginTest, GoneVersionFallsBackToAListedOneWithTheSameFile) {
    pkg::DebianOrigin origin(settings(), events);
    fs::path dir = scratch();
    fs::path file = origin.obtain({kSource, "1.0-0", kOrig}, pkg::DigestAlgorithm::sha256,
                                  orig_sha256, std::nullopt, dir);
    EXPECT_EQ(pkg::file_digest(file, pkg::DigestAlgorithm::sha256), orig_sha256);
    // The newest version carrying it.
    EXPECT_TRUE(fs::exists(dir / "pkgtest-hello_1.0-2.dsc"));
    EXPECT_NE(events.all(pkg::Level::info).find("1.0-2"), std::string::npos)
        << events.all(pkg::Level::info);
}

TEST_F(DebianOriginTest, DigestNoListedVersionCarriesFails) {
    pkg::DebianOrigin origin(settings(), events);
    const std::string wrong(64, 'f');
    std::string gone = error_of([&] {
        origin.obtain({kSource, "1.0-0", kOrig}, pkg::DigestAlgorithm::sha256, wrong, std::nullopt,
                      scratch());
    });
    EXPECT_NE(gone.find("Debian source pkgtest-hello=1.0-0: it is no longer listed"),
              std::string::npos)
        << gone;
    std::string listed = error_of([&] {
        origin.obtain({kSource, "1.0-1", kOrig}, pkg::DigestAlgorithm::sha256, wrong, std::nullopt,
                      scratch());
    });
    EXPECT_NE(
        listed.find("Debian source pkgtest-hello=1.0-1: the index lists " + std::string(kOrig) +
                    " of it with size " + std::to_string(orig_size) + " and sha256 " + orig_sha256),
        std::string::npos)
        << listed;
    // A sha512 pin is checked by the size the index gives, when pinned.
    std::string size = error_of([&] {
        origin.obtain({kSource, "1.0-1", kOrig}, pkg::DigestAlgorithm::sha512,
                      std::string(128, 'f'), orig_size + 1, scratch());
    });
    EXPECT_NE(size.find("pkgtest-hello=1.0-1"), std::string::npos) << size;
}

TEST_F(DebianOriginTest, MissingSourcePackageFailsClearly) {
    pkg::DebianOrigin origin(settings(), events);
    std::string message = error_of([&] {
        origin.obtain({"pkgtest-absent", "1.0-1", "pkgtest-absent_1.0.orig.tar.gz"},
                      pkg::DigestAlgorithm::sha256, orig_sha256, std::nullopt, scratch());
    });
    EXPECT_NE(
        message.find(
            "Debian source pkgtest-absent=1.0-1: the index lists no source package pkgtest-absent"),
        std::string::npos)
        << message;
}

TEST_F(DebianOriginTest, VersionsListsBothNewestFirst) {
    pkg::DebianOrigin origin(settings(), events);
    auto versions = origin.versions(kSource);
    ASSERT_EQ(versions.size(), 2u);
    EXPECT_EQ(versions[0].version, "1.0-2");
    EXPECT_EQ(versions[1].version, "1.0-1");
    for (const auto& v : versions) {
        ASSERT_EQ(v.files.size(), 3u) << v.version;
        bool has_orig = false;
        for (const auto& f : v.files) {
            if (f.name != kOrig)
                continue;
            has_orig = true;
            EXPECT_EQ(f.sha256, orig_sha256);
            EXPECT_EQ(f.size, orig_size);
        }
        EXPECT_TRUE(has_orig) << v.version;
    }
    EXPECT_TRUE(origin.versions("pkgtest-absent").empty());
}

TEST_F(DebianOriginTest, AFailingEntryIsAWarning) {
    pkgtest::ScratchDir lists;
    std::string list =
        lists.write("sources.list", "deb-src [trusted=yes] file:" + repo_dir->path() +
                                        "/repo ./\n"
                                        "deb-src [trusted=yes] file:/nonexistent/pkg-repo ./\n");
    pkg::DebianOriginSettings s = settings();
    s.sources_file = list;
    pkg::DebianOrigin origin(s, events);
    fs::path file = origin.obtain({kSource, "1.0-1", kOrig}, pkg::DigestAlgorithm::sha256,
                                  orig_sha256, orig_size, scratch());
    EXPECT_TRUE(fs::is_regular_file(file));
    std::string warnings = events.all(pkg::Level::warning);
    EXPECT_NE(warnings.find("apt-get update failed"), std::string::npos) << warnings;
    EXPECT_NE(warnings.find("/nonexistent/pkg-repo"), std::string::npos) << warnings;
}

TEST_F(DebianOriginTest, MissingAptGetIsAClearError) {
    pkg::DebianOriginSettings s = settings();
    s.search_path = work.path();
    pkg::DebianOrigin origin(s, events);
    std::string message = error_of([&] {
        origin.obtain({kSource, "1.0-1", kOrig}, pkg::DigestAlgorithm::sha256, orig_sha256,
                      orig_size, scratch());
    });
    EXPECT_NE(message.find("apt-get is not found"), std::string::npos) << message;
}

TEST_F(DebianOriginTest, HostWithoutDebianEntriesIsAClearError) {
    pkg::DebianOriginSettings s = settings();
    s.sources_file.reset();
    pkg::DebianOrigin origin(s, events);
    std::string message = error_of([&] { origin.versions(kSource); });
    EXPECT_NE(
        message.find("none of the apt sources under /nonexistent/etc/apt is Debian's archive"),
        std::string::npos)
        << message;
}

TEST_F(DebianOriginTest, WorksForAnUnprivilegedUser) {
    // As nobody when run as root: apt must need nothing but pkg's own state.
    fs::path shared = fs::path(work.path()) / "shared";
    fs::create_directories(shared);
    ::chmod(work.path().c_str(), 0755);
    ::chmod(shared.c_str(), 01777);
    pkg::DebianOriginSettings s = settings();
    s.state_dir = shared / "apt";
    int status = pkgtest::in_child_as_nobody([&] {
        fs::path dir = shared / "scratch";
        fs::create_directories(dir);
        pkg::NullSink quiet;
        pkg::DebianOrigin origin(s, quiet);
        fs::path file = origin.obtain({kSource, "1.0-2", kOrig}, pkg::DigestAlgorithm::sha256,
                                      orig_sha256, orig_size, dir);
        return pkg::file_digest(file, pkg::DigestAlgorithm::sha256) == orig_sha256 ? 0 : 1;
    });
    EXPECT_EQ(status, 0);
}

}  // namespace
