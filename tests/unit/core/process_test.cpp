#include "pkg/process.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>

#include "pkg/error.hpp"
#include "support/process.hpp"

namespace {

pkg::Program shell(const std::string& script) {
    pkg::Program program;
    program.argv = {"/bin/sh", "-c", script};
    program.environment = {"PATH=/usr/bin:/bin"};
    return program;
}

TEST(Process, ReturnsTheExitStatus) {
    pkg::ProgramResult r = pkg::run_program(shell("echo bye; exit 3"));
    EXPECT_EQ(r.exit_status, 3);
    EXPECT_EQ(r.signal, 0);
    EXPECT_FALSE(r.succeeded());
    EXPECT_EQ(r.output, "bye\n");
    EXPECT_EQ(r.describe(), "exit status 3");
}

TEST(Process, ReturnsTheSignalThatEndedIt) {
    pkg::ProgramResult r = pkg::run_program(shell("kill -TERM $$"));
    EXPECT_EQ(r.signal, SIGTERM);
    EXPECT_EQ(r.exit_status, -1);
    EXPECT_FALSE(r.succeeded());
}

TEST(Process, CapturesStdoutAndStderrTogether) {
    pkg::ProgramResult r = pkg::run_program(shell("echo out; echo err >&2; echo out again"));
    EXPECT_TRUE(r.succeeded());
    EXPECT_EQ(r.output, "out\nerr\nout again\n");
    EXPECT_FALSE(r.truncated);
}

TEST(Process, KeepsOnlyTheLastBytesOfALongOutput) {
    // 300000 bytes of 'a', then a last line: the end is what explains a failure.
    pkg::ProgramResult r =
        pkg::run_program(shell("head -c 300000 /dev/zero | tr '\\0' a; echo END"));
    ASSERT_TRUE(r.succeeded()) << r.output.substr(0, 200);
    EXPECT_TRUE(r.truncated);
    ASSERT_EQ(r.output.size(), 64u * 1024);
    EXPECT_EQ(r.output.substr(r.output.size() - 5), "aEND\n");
    EXPECT_EQ(r.output.find_first_not_of('a'), r.output.size() - 4);

    pkg::Program small = shell("echo 0123456789");
    small.output_limit = 4;
    pkg::ProgramResult s = pkg::run_program(small);
    EXPECT_EQ(s.output, "789\n");
    EXPECT_TRUE(s.truncated);
}

TEST(Process, ChildInheritsNoOtherDescriptor) {
    // A descriptor without close-on-exec, as a lock file may be held: the
    // child must not see it. Numbered high so that ls's own never takes it.
    int fd = ::open("/dev/null", O_RDONLY);
    ASSERT_GE(fd, 0);
    int high = ::fcntl(fd, F_DUPFD, 200);
    ASSERT_GE(high, 200);
    pkg::Program program;
    program.argv = {"/bin/ls", "/proc/self/fd"};
    pkg::ProgramResult r = pkg::run_program(program);
    ::close(high);
    ::close(fd);
    ASSERT_TRUE(r.succeeded()) << r.output;
    // 0, 1, 2, and the descriptor ls reads the directory through.
    EXPECT_EQ(r.output, "0\n1\n2\n3\n");

    pkg::Program stdin_check;
    stdin_check.argv = {"/bin/readlink", "/proc/self/fd/0"};
    EXPECT_EQ(pkg::run_program(stdin_check).output, "/dev/null\n");
}

TEST(Process, EnvironmentIsOnlyWhatWasPassed) {
    ::setenv("PKG_PROCESS_TEST_LEAK", "1", 1);
    pkg::Program program;
    program.argv = {"/usr/bin/env"};
    program.environment = {"A=1", "B=two words"};
    pkg::ProgramResult r = pkg::run_program(program);
    ::unsetenv("PKG_PROCESS_TEST_LEAK");
    ASSERT_TRUE(r.succeeded()) << r.output;
    EXPECT_EQ(r.output, "A=1\nB=two words\n");
}

TEST(Process, RunsInTheGivenDirectory) {
    pkgtest::ScratchDir dir;
    pkg::Program program;
    program.argv = {"/bin/pwd"};
    program.directory = dir.path();
    EXPECT_EQ(pkg::run_program(program).output, dir.path() + "\n");
}

TEST(Process, AProgramThatCannotStartIsASystemError) {
    pkg::Program missing;
    missing.argv = {"/nonexistent/pkg-no-such-tool"};
    EXPECT_THROW(pkg::run_program(missing), pkg::SystemError);

    pkg::Program elsewhere;
    elsewhere.argv = {"/bin/true"};
    elsewhere.directory = "/nonexistent/dir";
    try {
        pkg::run_program(elsewhere);
        FAIL();
    } catch (const pkg::SystemError& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/dir"), std::string::npos) << e.what();
    }
}

TEST(Process, FindsAProgramInASearchPath) {
    EXPECT_EQ(pkg::find_program("sh", "/nonexistent::/bin"), std::filesystem::path("/bin/sh"));
    EXPECT_EQ(pkg::find_program("/bin/sh", ""), std::filesystem::path("/bin/sh"));
    EXPECT_FALSE(pkg::find_program("pkg-no-such-tool", "/bin:/usr/bin"));
    EXPECT_FALSE(pkg::find_program("sh", ""));
}

}  // namespace
