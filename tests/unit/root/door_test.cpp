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
    fs::path outside = fs::path(r.dir.path()) / "outside";
    fs::create_directories(outside);
    std::ofstream(outside / "keep") << "keep";
    fs::create_symlink(outside, r.path / "d/link");
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
