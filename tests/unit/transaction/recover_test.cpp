// Recovery from a journal left in each state (planned, committed, rolling
// back), each made by the fault-injecting door killing a real transaction
// in a child process, never written by hand: recovery leaves the root and
// the database exactly as before the transaction or as after it.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "pkg/db/database.hpp"
#include "pkg/events.hpp"
#include "pkg/package/package_io.hpp"
#include "pkg/root/door.hpp"
#include "pkg/root/safe_root.hpp"
#include "pkg/transaction/transaction.hpp"
#include "support/process.hpp"
#include "support/root_state.hpp"

namespace {
namespace fs = std::filesystem;
using pkg::db::JournalState;

struct Fixture {
    pkgtest::ScratchDir dir;
    fs::path base = dir.path();
    fs::path root = base / "root";
    std::string v1, v2;

    Fixture() {
        fs::create_directories(root);
        v1 = make("1.0", {{"usr/bin/hello", "v1\n"}, {"usr/lib/gone", "g\n"}, {"etc/hello.conf", "a\n"}});
        v2 = make("2.0", {{"usr/bin/hello", "v2\n"}, {"usr/share/new", "n\n"}, {"etc/hello.conf", "b\n"}});
    }

    std::string make(const std::string& version, const std::vector<std::pair<std::string, std::string>>& files) {
        fs::path staged = base / ("staged-" + version);
        for (const auto& [path, content] : files) {
            fs::create_directories((staged / path).parent_path());
            std::ofstream(staged / path) << content;
        }
        pkg::PackageSpec spec;
        spec.staged = staged;
        spec.metadata.name = "hello";
        spec.metadata.version = version;
        spec.metadata.release = "1";
        spec.metadata.arch = "any";
        spec.config_files = {"etc/hello.conf"};
        fs::path out = base / ("hello-" + version + ".pkg.tar.zst");
        pkg::write_package(spec, out);
        return out.string();
    }

    // Installs `file` through the door PKGMGR_TEST_FAULT (if any) makes.
    void install(const std::string& file) {
        auto door = pkg::open_door(root);
        auto db = pkg::db::Database::open_for_write(*door);
        pkg::TransactionRequest request;
        request.plan.install.push_back(pkg::read_package_manifest(file));
        request.files.emplace_back(file);
        request.command = "install " + file;
        request.user = "test";
        pkg::NullSink events;
        pkg::run_transaction(*door, db, request, events, [](const pkg::Plan&) { return true; });
    }

    void recover() {
        auto door = pkg::open_door(root);
        auto db = pkg::db::Database::open_for_write(*door);
        pkg::NullSink events;
        pkg::recover(*door, db, events);
    }

    // Runs `body` in a child whose door applies `fault`; returns its wait status.
    int in_child(const std::string& fault, const std::function<void()>& body) {
        pid_t pid = ::fork();
        if (pid == 0) {
            ::setenv("PKGMGR_TEST_FAULT", fault.c_str(), 1);
            try {
                body();
            } catch (...) {
                ::_exit(3);
            }
            ::_exit(0);
        }
        int status = 0;
        ::waitpid(pid, &status, 0);
        return status;
    }

    std::optional<JournalState> journal_state() {
        pkg::SafeRoot door(root);
        auto db = pkg::db::Database::open_for_read(door);
        if (!db) return std::nullopt;
        auto j = db->journal();
        if (!j) return std::nullopt;
        return j->state;
    }

    std::string state() { return pkgtest::dump_tree(root) + pkgtest::dump_database(pkgtest::database_file(root)); }
};

bool killed(int status) { return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL; }

// The upgrade's database state, but its time: the same upgrade done whole.
std::string files_after(Fixture& f) {
    pkg::SafeRoot door(f.root);
    auto db = pkg::db::Database::open_for_read(door);
    std::string out;
    for (const auto& file : db->files_of("hello")) out += file.path + " " + file.sha256 + "\n";
    return out + db->package("hello")->version;
}

TEST(Recovery, APlannedJournalIsRolledBack) {
    Fixture f;
    f.install(f.v1);
    std::string before = f.state();
    ASSERT_TRUE(killed(f.in_child("create#2:kill", [&] { f.install(f.v2); })));
    ASSERT_EQ(f.journal_state(), JournalState::planned);
    EXPECT_NE(pkgtest::leftovers(f.root), std::vector<std::string>{});  // it did leave something
    f.recover();
    EXPECT_EQ(f.journal_state(), std::nullopt);
    EXPECT_EQ(f.state(), before);
    EXPECT_EQ(pkgtest::leftovers(f.root), std::vector<std::string>{});
}

TEST(Recovery, APlannedJournalKilledAfterItsRenamesIsRolledBack) {
    Fixture f;
    f.install(f.v1);
    std::string before = f.state();
    // The second rename into place: the first new version is in place already.
    ASSERT_TRUE(killed(f.in_child("rename#2:kill", [&] { f.install(f.v2); })));
    ASSERT_EQ(f.journal_state(), JournalState::planned);
    f.recover();
    EXPECT_EQ(f.state(), before);
}

TEST(Recovery, ACommittedJournalIsRolledForward) {
    Fixture f;
    f.install(f.v1);
    Fixture whole;
    whole.install(whole.v1);
    whole.install(whole.v2);
    // Nothing is unlinked before the commit: the first unlink is the finish's.
    ASSERT_TRUE(killed(f.in_child("unlink#1:kill", [&] { f.install(f.v2); })));
    ASSERT_EQ(f.journal_state(), JournalState::committed);
    f.recover();
    EXPECT_EQ(f.journal_state(), std::nullopt);
    EXPECT_EQ(pkgtest::dump_tree(f.root), pkgtest::dump_tree(whole.root));
    EXPECT_EQ(files_after(f), files_after(whole));
    EXPECT_EQ(pkgtest::leftovers(f.root), std::vector<std::string>{});
}

TEST(Recovery, AJournalRollingBackIsRolledBackAgain) {
    Fixture f;
    f.install(f.v1);
    std::string before = f.state();
    ASSERT_TRUE(killed(f.in_child("rename#2:kill", [&] { f.install(f.v2); })));
    ASSERT_EQ(f.journal_state(), JournalState::planned);
    // Recovery itself killed at its first unlink, after it marked the journal.
    ASSERT_TRUE(killed(f.in_child("unlink#1:kill", [&] { f.recover(); })));
    ASSERT_EQ(f.journal_state(), JournalState::rolling_back);
    f.recover();
    EXPECT_EQ(f.journal_state(), std::nullopt);
    EXPECT_EQ(f.state(), before);
    EXPECT_EQ(pkgtest::leftovers(f.root), std::vector<std::string>{});
}

TEST(Recovery, RecoveryKilledAtEachOfItsStepsStillEndsBeforeOrAfter) {
    Fixture f;
    f.install(f.v1);
    std::string before = f.state();
    fs::path pristine = f.base / "pristine";
    ASSERT_TRUE(killed(f.in_child("rename#2:kill", [&] { f.install(f.v2); })));
    fs::copy(f.root, pristine, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    int steps = 0;
    for (int step = 1; step < 100; ++step) {
        fs::remove_all(f.root);
        fs::copy(pristine, f.root, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
        int status = f.in_child(std::to_string(step) + ":kill", [&] { f.recover(); });
        if (!killed(status)) {
            EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "step " << step;
            break;
        }
        ++steps;
        f.recover();
        EXPECT_EQ(f.state(), before) << "recovery killed at step " << step;
        EXPECT_EQ(pkgtest::leftovers(f.root), std::vector<std::string>{}) << "step " << step;
    }
    EXPECT_GE(steps, 3);
}

}  // namespace
