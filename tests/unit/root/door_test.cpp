// The door's whole interface, and the faulty door that tests install at run
// time through PKGMGR_TEST_FAULT and PKGMGR_TEST_STEPS.

#include "pkg/root/door.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <vector>

#include "pkg/error.hpp"
#include "pkg/root/safe_root.hpp"
#include "support/process.hpp"

namespace {
namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

struct Root {
    pkgtest::ScratchDir dir;
    fs::path path = fs::path(dir.path()) / "root";
    Root() { fs::create_directories(path / "d"); }
};

// A directory outside the root holding "keep", and d/link: a symlink to it.
fs::path way_out(const Root& r) {
    fs::path outside = fs::path(r.dir.path()) / "outside";
    fs::create_directories(outside);
    std::ofstream(outside / "keep") << "keep";
    fs::create_symlink(outside, r.path / "d/link");
    return outside;
}

void write_file(pkg::Door& door, const std::string& path, const std::string& text) {
    int fd = door.create_file(path, 0644);
    door.write_all(fd, text.data(), text.size(), path);
    door.sync_file(fd, path);
    ::close(fd);
}

TEST(Door, RenamesReplaceRefuseOrExchange) {
    Root r;
    pkg::SafeRoot door(r.path);
    write_file(door, "d/a", "a");
    write_file(door, "d/b", "b");
    try {
        door.rename("d/a", "d/b", pkg::RenameMode::noreplace);
        FAIL();
    } catch (const pkg::SystemError& e) {
        EXPECT_EQ(e.error_number(), EEXIST);
    }
    door.rename("d/a", "d/b", pkg::RenameMode::exchange);
    EXPECT_EQ(slurp(r.path / "d/a"), "b");
    EXPECT_EQ(slurp(r.path / "d/b"), "a");
    // A file and a directory change places in one step.
    door.make_directory("d/dir", 0755);
    door.rename("d/dir", "d/a", pkg::RenameMode::exchange);
    EXPECT_TRUE(fs::is_directory(r.path / "d/a"));
    EXPECT_EQ(slurp(r.path / "d/dir"), "b");
    door.rename("d/dir", "d/b", pkg::RenameMode::replace);
    EXPECT_EQ(slurp(r.path / "d/b"), "b");
    EXPECT_FALSE(fs::exists(r.path / "d/dir"));
}

TEST(Door, RemovesNamesAndDirectoriesButNeverThroughASymlink) {
    Root r;
    fs::path outside = way_out(r);
    pkg::SafeRoot door(r.path);
    EXPECT_THROW(door.unlink("d/link/keep"), pkg::SystemError);
    EXPECT_TRUE(fs::exists(outside / "keep"));
    door.unlink("d/link");  // the symlink itself goes
    EXPECT_TRUE(fs::exists(outside / "keep"));
    door.make_directory("d/e", 0755);
    write_file(door, "d/e/f", "f");
    try {
        door.remove_directory("d/e");
        FAIL();
    } catch (const pkg::SystemError& e) {
        EXPECT_EQ(e.error_number(), ENOTEMPTY);
    }
    EXPECT_THROW(door.unlink("d/e"), pkg::SystemError);  // unlink never removes a directory
    door.unlink("d/e/f");
    door.remove_directory("d/e");
    EXPECT_FALSE(fs::exists(r.path / "d/e"));
}

// Thousands of names at once (the real door shares them among threads,
// a directory each), each one's result in its place, as unlink() gives it:
// a directory, a missing name and a name below a symlink are not removed,
// and nothing outside the root is touched.
TEST(Door, UnlinksThousandsOfNamesAtOnceEachWithItsOwnResult) {
    Root r;
    fs::path outside = way_out(r);
    pkg::SafeRoot door(r.path);
    std::vector<std::string> paths;
    for (int d = 0; d < 40; ++d) {
        door.make_directory("d/" + std::to_string(d), 0755);
        for (int f = 0; f < 60; ++f) {
            std::string path = "d/" + std::to_string(d) + "/" + std::to_string(f);
            ::close(door.create_file(path, 0644));
            paths.push_back(path);
        }
    }
    door.make_directory("d/7/a-directory", 0755);
    paths.push_back("d/7/a-directory");
    paths.push_back("d/7/never-there");
    paths.push_back("d/link/keep");
    std::vector<int> errors = door.unlink_each(paths);
    ASSERT_EQ(errors.size(), paths.size());
    for (std::size_t i = 0; i + 3 < paths.size(); ++i) EXPECT_EQ(errors[i], 0) << paths[i];
    EXPECT_EQ(errors[paths.size() - 3], EISDIR);
    EXPECT_EQ(errors[paths.size() - 2], ENOENT);
    EXPECT_TRUE(errors.back() == ELOOP || errors.back() == EXDEV) << errors.back();
    EXPECT_TRUE(fs::exists(outside / "keep"));
    EXPECT_TRUE(fs::is_directory(r.path / "d/7/a-directory"));
    for (int d = 0; d < 40; ++d) {
        EXPECT_EQ(std::distance(fs::directory_iterator(r.path / "d" / std::to_string(d)), fs::directory_iterator()),
                  d == 7 ? 1 : 0);
    }
    EXPECT_THROW(door.unlink_each({"d/0/ok", "d/0/.."}), pkg::Error);  // not a name below the root
}

// A door that only knows unlink() gets unlink_each from it, one name after
// the other, in order: the faulty door counts each as a step.
TEST(Door, UnlinkEachIsUnlinkForEachNameForADoorWithoutItsOwn) {
    struct Counting : pkg::Door {
        pkg::SafeRoot inner;
        std::vector<std::string> seen;
        explicit Counting(const fs::path& root) : inner(root) {}
        const fs::path& root() const override { return inner.root(); }
        void make_directory(const std::string& p, unsigned m) override { inner.make_directory(p, m); }
        int create_file(const std::string& p, unsigned m) override { return inner.create_file(p, m); }
        void write_all(int fd, const void* d, std::size_t n, const std::string& p) override {
            inner.write_all(fd, d, n, p);
        }
        void make_symlink(const std::string& t, const std::string& p) override { inner.make_symlink(t, p); }
        void make_hardlink(const std::string& e, const std::string& p) override { inner.make_hardlink(e, p); }
        void rename(const std::string& f, const std::string& t, pkg::RenameMode m) override { inner.rename(f, t, m); }
        void unlink(const std::string& p) override {
            seen.push_back(p);
            inner.unlink(p);
        }
        void remove_directory(const std::string& p) override { inner.remove_directory(p); }
        void set_mode(const std::string& p, unsigned m) override { inner.set_mode(p, m); }
        void set_owner(const std::string& p, uid_t u, gid_t g) override { inner.set_owner(p, u, g); }
        void sync_file(int fd, const std::string& p) override { inner.sync_file(fd, p); }
        void sync_filesystem(int fd, const std::string& w) override { inner.sync_filesystem(fd, w); }
        int open_directory(const std::string& p, bool c, unsigned m) override { return inner.open_directory(p, c, m); }
        int open_file(const std::string& p) override { return inner.open_file(p); }
        std::optional<pkg::EntryStat> stat(const std::string& p) override { return inner.stat(p); }
        std::string read_link(const std::string& p) override { return inner.read_link(p); }
    };
    Root r;
    Counting door(r.path);
    write_file(door, "d/a", "a");
    write_file(door, "d/b", "b");
    std::vector<int> errors = door.unlink_each({"d/b", "d/none", "d/a"});
    EXPECT_EQ(errors, (std::vector<int>{0, ENOENT, 0}));
    EXPECT_EQ(door.seen, (std::vector<std::string>{"d/b", "d/none", "d/a"}));
    EXPECT_FALSE(fs::exists(r.path / "d/a"));
}

// The door keeps the last parent directory open for the next name in it.
// A directory swapped for a symlink out of the root meanwhile is never a way
// out: a kept descriptor is the directory itself, wherever it was moved
// within the root, and one opened afresh refuses the symlink.
TEST(Door, AKeptDirectoryIsNeverAWayOut) {
    Root r;
    fs::path outside = fs::path(r.dir.path()) / "outside";
    fs::create_directories(outside);
    pkg::SafeRoot door(r.path);
    door.make_directory("d/e", 0755);
    ::close(door.create_file("d/e/a", 0644));
    fs::rename(r.path / "d/e", r.path / "d/moved");
    fs::create_directory_symlink(outside, r.path / "d/e");
    try {
        ::close(door.create_file("d/e/b", 0644));  // kept: lands in the moved directory
    } catch (const pkg::SystemError&) {
    }
    door.make_symlink("x", "d/e/c");
    EXPECT_TRUE(fs::is_empty(outside));
    EXPECT_TRUE(fs::exists(r.path / "d/moved/a"));
    // A rename drops what is kept: the next name resolves its parent afresh.
    door.rename("d/moved/a", "d/moved/a2", pkg::RenameMode::noreplace);
    EXPECT_THROW(::close(door.create_file("d/e/f", 0644)), pkg::SystemError);
    EXPECT_THROW(door.unlink("d/e/g"), pkg::SystemError);
    EXPECT_THROW(door.stat("d/e/b"), pkg::SystemError);  // never looked at through the symlink
    EXPECT_TRUE(fs::is_empty(outside));
}

TEST(Door, LooksWithoutFollowing) {
    Root r;
    pkg::SafeRoot door(r.path);
    write_file(door, "d/f", "12345");
    door.make_symlink("/etc/passwd", "d/l");
    auto f = door.stat("d/f");
    ASSERT_TRUE(f);
    EXPECT_TRUE(S_ISREG(f->mode));
    EXPECT_EQ(f->size, 5u);
    auto l = door.stat("d/l");
    ASSERT_TRUE(l);
    EXPECT_TRUE(S_ISLNK(l->mode));
    EXPECT_EQ(door.read_link("d/l"), "/etc/passwd");
    EXPECT_EQ(door.stat("d/none"), std::nullopt);
    EXPECT_THROW(door.open_file("d/l"), pkg::SystemError);  // never opened through the link
    ASSERT_EQ(mkfifo((r.path / "d/fifo").c_str(), 0644), 0);
    EXPECT_THROW(door.open_file("d/fifo"), pkg::Error);      // refused, without blocking
    int fd = door.open_file("d/f");
    char buffer[8] = {};
    EXPECT_EQ(::read(fd, buffer, sizeof buffer), 5);
    door.sync_filesystem(fd, "d/f");
    ::close(fd);
}

TEST(Door, SetsOwnersThroughADescriptorOfTheNameItself) {
    if (geteuid() != 0) GTEST_SKIP() << "chown needs root";
    Root r;
    pkg::SafeRoot door(r.path);
    write_file(door, "d/f", "f");
    door.make_symlink("f", "d/l");
    door.set_owner("d/l", 65534, 65534);  // the link's own owner; its target is untouched
    struct stat link {}, target {};
    lstat((r.path / "d/l").c_str(), &link);
    lstat((r.path / "d/f").c_str(), &target);
    EXPECT_EQ(link.st_uid, 65534u);
    EXPECT_EQ(target.st_uid, 0u);
    door.set_owner("d/f", 65534, 65534);
    lstat((r.path / "d/f").c_str(), &target);
    EXPECT_EQ(target.st_gid, 65534u);
}

// Runs `body` in a child with the given environment; returns how it ended
// (exit status, or 128 + signal) and what it wrote to the steps descriptor.
struct Child {
    int status;
    std::string steps;
};

Child in_child(const std::map<std::string, std::string>& env, const std::function<int(pkg::Door&)>& body,
               const fs::path& root, int pause_writer = -1) {
    int steps[2];
    if (pipe(steps) != 0) return {-1, ""};
    pid_t pid = fork();
    if (pid == 0) {
        ::close(steps[0]);
        if (pause_writer >= 0) ::close(pause_writer);
        for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
        setenv("PKGMGR_TEST_STEPS", std::to_string(steps[1]).c_str(), 1);
        int status = 101;
        try {
            auto door = pkg::open_door(root);
            status = body(*door);
        } catch (const pkg::Error& e) {
            fprintf(stderr, "%s\n", e.what());
            status = e.kind() == pkg::ErrorKind::general ? 10 : 11;
        }
        _exit(status);
    }
    ::close(steps[1]);
    std::string text;
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(steps[0], buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<std::size_t>(n));
    ::close(steps[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), text};
}

int three_files(pkg::Door& door) {
    write_file(door, "d/1", "one");
    write_file(door, "d/2", "two");
    door.rename("d/2", "d/3", pkg::RenameMode::noreplace);
    return 0;
}

TEST(FaultyDoor, CountsEveryMutatingStep) {
    Root r;
    Child c = in_child({}, three_files, r.path);
    EXPECT_EQ(c.status, 0);
    EXPECT_EQ(c.steps,
              "1 create d/1\n2 write d/1\n3 fsync d/1\n4 create d/2\n5 write d/2\n6 fsync d/2\n7 rename d/3\n");
}

TEST(FaultyDoor, FailsTheNamedStepAsTheSystemWould) {
    Root r;
    Child c = in_child({{"PKGMGR_TEST_FAULT", "5:enospc"}}, three_files, r.path);
    EXPECT_EQ(c.status, 10);
    EXPECT_EQ(c.steps, "1 create d/1\n2 write d/1\n3 fsync d/1\n4 create d/2\n5 write d/2\n");
    EXPECT_EQ(slurp(r.path / "d/2"), "");  // the write never happened
    Root s;
    c = in_child({{"PKGMGR_TEST_FAULT", "rename#1:eio"}}, three_files, s.path);
    EXPECT_EQ(c.status, 10);
    EXPECT_TRUE(fs::exists(s.path / "d/2"));
    EXPECT_FALSE(fs::exists(s.path / "d/3"));
}

TEST(FaultyDoor, KillsAtTheNamedStep) {
    Root r;
    Child c = in_child({{"PKGMGR_TEST_FAULT", "fsync#2:kill"}}, three_files, r.path);
    EXPECT_EQ(c.status, 128 + SIGKILL);
    EXPECT_EQ(c.steps, "1 create d/1\n2 write d/1\n3 fsync d/1\n4 create d/2\n5 write d/2\n6 fsync d/2\n");
    EXPECT_EQ(slurp(r.path / "d/2"), "two");
    EXPECT_FALSE(fs::exists(r.path / "d/3"));
}

TEST(FaultyDoor, PausesUntilAByteArrives) {
    Root r;
    int gate[2];
    ASSERT_EQ(pipe(gate), 0);
    int steps[2];
    ASSERT_EQ(pipe(steps), 0);
    pid_t pid = fork();
    if (pid == 0) {
        ::close(gate[1]);
        ::close(steps[0]);
        setenv("PKGMGR_TEST_FAULT", ("rename#1:pause=" + std::to_string(gate[0])).c_str(), 1);
        setenv("PKGMGR_TEST_STEPS", std::to_string(steps[1]).c_str(), 1);
        auto door = pkg::open_door(r.path);
        _exit(three_files(*door));
    }
    ::close(gate[0]);
    ::close(steps[1]);
    // Read the steps until the pause is announced: the child waits there.
    std::string seen;
    char ch;
    while (seen.find("pause 7\n") == std::string::npos && ::read(steps[0], &ch, 1) == 1) seen += ch;
    EXPECT_NE(seen.find("7 rename d/3\npause 7\n"), std::string::npos) << seen;
    EXPECT_TRUE(fs::exists(r.path / "d/2"));  // held before the rename
    EXPECT_FALSE(fs::exists(r.path / "d/3"));
    ASSERT_EQ(::write(gate[1], "x", 1), 1);
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT_TRUE(fs::exists(r.path / "d/3"));
    ::close(gate[1]);
    ::close(steps[0]);
}

TEST(FaultyDoor, AMalformedSpecIsAUsageError) {
    Root r;
    for (const char* spec : {"x", "0:eio", "3:explode", "rename#:eio", "2:pause=x"}) {
        Child c = in_child({{"PKGMGR_TEST_FAULT", spec}}, three_files, r.path);
        EXPECT_EQ(c.status, 11) << spec;
    }
}

}  // namespace
