// The root's lock: one writer at a time, a second one waits (saying so) or
// is told who holds it, and a killed holder leaves nothing stale.

#include "pkg/transaction/lock.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "pkg/error.hpp"
#include "pkg/root/safe_root.hpp"
#include "support/process.hpp"

namespace {
namespace fs = std::filesystem;

class Quiet final : public pkg::EventSink {
public:
    void progress(const pkg::Progress&) override {}
    void message(const pkg::Message&) override {}
    bool ask(const pkg::Question& q) override { return q.default_answer; }
};

// Writes each message's text and a newline to a descriptor.
class ToPipe final : public pkg::EventSink {
public:
    explicit ToPipe(int fd) : fd_(fd) {}
    void progress(const pkg::Progress&) override {}
    void message(const pkg::Message& m) override {
        std::string line = m.text + "\n";
        if (::write(fd_, line.data(), line.size()) < 0) _exit(99);
    }
    bool ask(const pkg::Question& q) override { return q.default_answer; }

private:
    int fd_;
};

struct Root {
    pkgtest::ScratchDir dir;
    fs::path path = fs::path(dir.path()) / "root";
    Root() { fs::create_directories(path); }
};

std::string read_line(int fd) {
    std::string line;
    char c;
    while (::read(fd, &c, 1) == 1 && c != '\n') line += c;
    return line;
}

TEST(RootLock, IsAPrivateFileThatStays) {
    Root r;
    pkg::SafeRoot door(r.path);
    Quiet quiet;
    { pkg::RootLock lock(door, quiet, false); }
    struct stat st {};
    ASSERT_EQ(lstat((r.path / "var/lib/pkg/lock").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    pkg::RootLock again(door, quiet, false);  // released when the first one went
}

TEST(RootLock, ASecondWriterWithoutWaitingIsToldWhoHoldsIt) {
    Root r;
    pkg::SafeRoot door(r.path);
    Quiet quiet;
    pkg::RootLock held(door, quiet, false);
    pid_t pid = fork();
    if (pid == 0) {
        try {
            pkg::SafeRoot other(r.path);
            pkg::RootLock lock(other, quiet, false);
            _exit(1);
        } catch (const pkg::LockBusy& e) {
            std::string expected = "is held by pid " + std::to_string(getppid());
            _exit(std::string(e.what()).find(expected) != std::string::npos && e.kind() == pkg::ErrorKind::lock_busy
                      ? 0
                      : 2);
        }
    }
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

// The holder is a child (a forked copy of a held lock would hold it too):
// it takes the lock, and lets go once it reads the parent's waiting message.
TEST(RootLock, ASecondWriterWaitsSayingSoAndThenGoesOn) {
    Root r;
    int ready[2], messages[2];
    ASSERT_EQ(pipe(ready), 0);
    ASSERT_EQ(pipe(messages), 0);
    pid_t pid = fork();
    if (pid == 0) {
        ::close(ready[0]);
        ::close(messages[1]);
        Quiet quiet;
        pkg::SafeRoot door(r.path);
        auto lock = std::make_unique<pkg::RootLock>(door, quiet, false);
        if (::write(ready[1], "x", 1) != 1) _exit(2);
        std::string waiting = read_line(messages[0]);
        bool named = waiting.find("held by pid " + std::to_string(getpid())) != std::string::npos &&
                     waiting.find("waiting for " + (r.path / "var/lib/pkg/lock").string()) != std::string::npos;
        lock.reset();
        _exit(named ? 0 : 3);
    }
    ::close(ready[1]);
    ::close(messages[0]);
    char c;
    ASSERT_EQ(::read(ready[0], &c, 1), 1);
    ToPipe sink(messages[1]);
    pkg::SafeRoot door(r.path);
    pkg::RootLock mine(door, sink, true);  // says it waits, then waits for the child to let go
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    ::close(ready[0]);
    ::close(messages[1]);
}

TEST(RootLock, AKilledHolderLeavesNoStaleLock) {
    Root r;
    int ready[2];
    ASSERT_EQ(pipe(ready), 0);
    pid_t pid = fork();
    if (pid == 0) {
        ::close(ready[0]);
        Quiet quiet;
        pkg::SafeRoot door(r.path);
        pkg::RootLock lock(door, quiet, false);
        if (::write(ready[1], "x", 1) != 1) _exit(2);
        for (;;) pause();
    }
    ::close(ready[1]);
    char c;
    ASSERT_EQ(::read(ready[0], &c, 1), 1);  // it holds the lock
    pkg::SafeRoot door(r.path);
    Quiet quiet;
    EXPECT_THROW(pkg::RootLock(door, quiet, false), pkg::LockBusy);
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    pkg::RootLock mine(door, quiet, false);  // free again, with nothing to clean up
    ::close(ready[0]);
}

TEST(RootLock, ASymlinkOrFifoAtTheLockIsRefused) {
    Root r;
    fs::create_directories(r.path / "var/lib/pkg");
    fs::path outside = fs::path(r.dir.path()) / "outside";
    fs::create_symlink(outside, r.path / "var/lib/pkg/lock");
    pkg::SafeRoot door(r.path);
    Quiet quiet;
    EXPECT_THROW(pkg::RootLock(door, quiet, false), pkg::Error);
    EXPECT_FALSE(fs::exists(outside));
    fs::remove(r.path / "var/lib/pkg/lock");
    ASSERT_EQ(mkfifo((r.path / "var/lib/pkg/lock").c_str(), 0600), 0);
    EXPECT_THROW(pkg::RootLock(door, quiet, false), pkg::Error);
}

}  // namespace
