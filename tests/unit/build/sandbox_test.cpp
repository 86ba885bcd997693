// The build sandbox's promises (DESIGN.md, "The sandbox"), in real
// namespaces, each as root and as nobody (65534) where it applies: as root
// the sandbox's ids are a range from sandbox_id_base, as nobody a single id.
// No test sleeps to synchronise: the end of a pipe says when every process
// holding it is gone.

#include "pkg/build/sandbox.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "pkg/error.hpp"
#include "pkg/module.hpp"
#include "support/process.hpp"

namespace {
namespace fs = std::filesystem;
using pkg::SandboxBind;
using pkg::SandboxResult;
using pkg::SandboxSpec;

enum class As { root, nobody };

constexpr unsigned nobody_id = 65534;

// What run_sandboxed did: its result, or the message of what it threw.
struct Outcome {
    SandboxResult result;
    std::string error;  // empty when it returned
    bool system_error = false;
};

Outcome run_here(const SandboxSpec& spec) {
    Outcome outcome;
    try {
        outcome.result = pkg::run_sandboxed(spec);
    } catch (const pkg::SystemError& e) {
        outcome.error = e.what();
        outcome.system_error = true;
    } catch (const std::exception& e) {
        outcome.error = e.what();
    }
    return outcome;
}

std::string read_fd(int fd) {
    std::string text;
    char buffer[4096];
    for (;;) {
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return text;
        text.append(buffer, static_cast<std::size_t>(n));
    }
}

// As nobody: in a forked child (gtest runs no threads) that drops to 65534
// and sends the outcome back through a pipe.
Outcome run_as(As as, const SandboxSpec& spec) {
    if (as == As::root)
        return run_here(spec);
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return {SandboxResult{}, "pipe failed", false};
    int status = pkgtest::in_child_as_nobody([&] {
        ::close(fds[0]);
        Outcome o = run_here(spec);
        std::string text = std::to_string(o.result.exit_status) + " " +
                           std::to_string(o.result.signal) + " " +
                           std::to_string(o.result.timed_out) + " " +
                           std::to_string(o.system_error) + " " + o.error;
        ::write(fds[1], text.data(), text.size());
        return 0;
    });
    ::close(fds[1]);
    std::istringstream in(read_fd(fds[0]));
    ::close(fds[0]);
    Outcome o;
    if (status != 0) {
        o.error = "the child running as nobody failed: status " + std::to_string(status);
        return o;
    }
    in >> o.result.exit_status >> o.result.signal >> o.result.timed_out >> o.system_error;
    in.get();
    std::getline(in, o.error, '\0');
    return o;
}

std::string as_name(const testing::TestParamInfo<As>& info) {
    return info.param == As::root ? "root" : "nobody";
}

// A scratch directory the sandbox may write: given to the sandbox's owner as
// root, to nobody for nobody.
void give(const std::string& dir, As as) {
    if (as == As::root) {
        pkg::give_to_sandbox(dir);
        return;
    }
    ::lchown(dir.c_str(), nobody_id, nobody_id);
    for (const auto& entry : fs::recursive_directory_iterator(dir))
        ::lchown(entry.path().c_str(), nobody_id, nobody_id);
}

// A memory file for the command's output.
class Output {
  public:
    Output() : fd_(::memfd_create("sandbox-output", MFD_CLOEXEC)) {}
    ~Output() { ::close(fd_); }
    int fd() const { return fd_; }
    std::string text() const {
        ::lseek(fd_, 0, SEEK_SET);
        return read_fd(fd_);
    }

  private:
    int fd_;
};

// The output as a pipe whose read end says, once the test has closed its
// own write end, whether any process still holds it: EOF means none does.
class OutputPipe {
  public:
    OutputPipe() {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) == 0) {
            read_ = fds[0];
            write_ = fds[1];
        }
    }
    ~OutputPipe() {
        close_write();
        ::close(read_);
    }
    int fd() const { return write_; }
    void close_write() {
        if (write_ >= 0)
            ::close(write_);
        write_ = -1;
    }
    // Reads what is there without waiting; false when a writer is still open.
    bool drained_to_end(std::string& text) {
        close_write();
        ::fcntl(read_, F_SETFL, O_NONBLOCK);
        char buffer[4096];
        for (;;) {
            ssize_t n = ::read(read_, buffer, sizeof buffer);
            if (n > 0) {
                text.append(buffer, static_cast<std::size_t>(n));
                continue;
            }
            if (n < 0 && errno == EINTR)
                continue;
            return n == 0;
        }
    }

  private:
    int read_ = -1;
    int write_ = -1;
};

SandboxSpec shell(const std::string& script, int output_fd) {
    SandboxSpec spec;
    spec.argv = {"/bin/sh", "-c", script};
    spec.environment = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/build", "LANG=C.UTF-8"};
    spec.directory = "/";
    spec.output_fd = output_fd;
    return spec;
}

// A word no other process on the host has in its command line.
std::string unique_token() {
    static int counter = 0;
    return "9999." + std::to_string(::getpid()) + std::to_string(++counter);
}

// Host processes whose command line holds `token`.
int processes_with(const std::string& token) {
    int found = 0;
    for (const auto& entry : fs::directory_iterator("/proc")) {
        std::string name = entry.path().filename();
        if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit))
            continue;
        // A process may end while it is read (ESRCH): then it is not there.
        std::string cmdline;
        int fd = ::open((entry.path() / "cmdline").c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        char buffer[4096];
        for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;)
            cmdline.append(buffer, static_cast<std::size_t>(n));
        ::close(fd);
        std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
        if (cmdline.find(token) != std::string::npos)
            ++found;
    }
    return found;
}

class SandboxAs : public testing::TestWithParam<As> {
  protected:
    void SetUp() override {
        if (::geteuid() != 0 && GetParam() == As::root)
            GTEST_SKIP() << "needs root";
        fs::path helper = pkg::module_directory() / "sandbox";
        ASSERT_TRUE(fs::exists(helper)) << helper;
        if (GetParam() == As::nobody) {
            int ok = pkgtest::in_child_as_nobody(
                [&] { return ::access(helper.c_str(), X_OK) == 0 ? 0 : 1; });
            if (ok != 0)
                GTEST_SKIP() << "nobody cannot run " << helper;
        }
        // mkdtemp makes it 0700: nobody must reach it.
        ::chmod(scratch_.path().c_str(), 0755);
    }

    fs::path dir(const std::string& name, bool writable) {
        fs::path path = fs::path(scratch_.path()) / name;
        fs::create_directories(path);
        if (writable)
            give(path, GetParam());
        return path;
    }

    pkgtest::ScratchDir scratch_;
};

INSTANTIATE_TEST_SUITE_P(Sandbox, SandboxAs, testing::Values(As::root, As::nobody), as_name);

TEST_P(SandboxAs, ExitStatusAndOutputReachTheCaller) {
    Output out;
    Outcome o = run_as(GetParam(), shell("echo hello; echo oops >&2; exit 3", out.fd()));
    ASSERT_EQ(o.error, "");
    EXPECT_EQ(o.result.exit_status, 3);
    EXPECT_EQ(o.result.signal, 0);
    EXPECT_FALSE(o.result.timed_out);
    EXPECT_FALSE(o.result.succeeded());
    EXPECT_EQ(out.text(), "hello\noops\n");
    EXPECT_EQ(o.result.describe(std::chrono::seconds(0)), "exit status 3");

    o = run_as(GetParam(), shell("true", out.fd()));
    ASSERT_EQ(o.error, "");
    EXPECT_TRUE(o.result.succeeded());

    o = run_as(GetParam(), shell("kill -TERM $$", out.fd()));
    ASSERT_EQ(o.error, "");
    EXPECT_EQ(o.result.signal, SIGTERM);
    EXPECT_EQ(o.result.exit_status, -1);
    EXPECT_EQ(o.result.describe(std::chrono::seconds(0)), "killed by signal 15 (Terminated)");
}

TEST_P(SandboxAs, TheEnvironmentIsExactlyTheOneGiven) {
    Output out;
    SandboxSpec spec;
    spec.argv = {"/usr/bin/env"};
    spec.environment = {"PATH=/usr/bin:/bin", "TZ=UTC", "SPACED=a b  c", "SOURCE_DATE_EPOCH=1"};
    spec.directory = "/";
    spec.output_fd = out.fd();
    Outcome o = run_as(GetParam(), spec);
    ASSERT_EQ(o.error, "");
    ASSERT_TRUE(o.result.succeeded()) << out.text();
    EXPECT_EQ(out.text(), "PATH=/usr/bin:/bin\nTZ=UTC\nSPACED=a b  c\nSOURCE_DATE_EPOCH=1\n");
}

TEST_P(SandboxAs, NoNetworkButItsOwnLoopback) {
    // A listener on the host's loopback, which the sandbox must not reach.
    int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    ASSERT_GE(listener, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(::listen(listener, 4), 0);
    socklen_t length = sizeof address;
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
    std::string port = std::to_string(ntohs(address.sin_port));

    // getent ahosts asks getaddrinfo with AI_ADDRCONFIG; the Python part
    // serves and connects on the sandbox's loopback, by the name localhost.
    std::string script =
        "(echo > /dev/tcp/127.0.0.1/" + port +
        ") 2>/dev/null && echo host-reached\n"
        "getent ahosts localhost | grep -q 127.0.0.1 && echo resolved\n"
        "hostname=$(uname -n); echo \"hostname $hostname\"\n"
        "/usr/bin/python3 -c '\n"
        "import socket\n"
        "s = socket.socket(); s.bind((\"127.0.0.1\", 0)); s.listen()\n"
        "port = s.getsockname()[1]\n"
        "info = socket.getaddrinfo(\"localhost\", port, socket.AF_INET, socket.SOCK_STREAM,"
        " 0, socket.AI_ADDRCONFIG)\n"
        "c = socket.create_connection(info[0][4][:2]); a, _ = s.accept()\n"
        "c.sendall(b\"ping\"); print(\"loopback\", a.recv(4).decode())\n"
        "'\n";
    Output out;
    SandboxSpec spec = shell(script, out.fd());
    spec.argv[0] = "/bin/bash";
    Outcome o = run_as(GetParam(), spec);
    ASSERT_EQ(o.error, "");
    EXPECT_TRUE(o.result.succeeded()) << out.text();
    EXPECT_EQ(out.text(), "resolved\nhostname localhost\nloopback ping\n");
    // Nothing knocked on the host's listener.
    EXPECT_LT(::accept(listener, nullptr, nullptr), 0);
    EXPECT_EQ(errno, EAGAIN);
    ::close(listener);
}

TEST_P(SandboxAs, WritesOnlyTheWritableBindsAndTmp) {
    fs::path build = dir("build", true);
    fs::path source = dir("source", false);
    std::ofstream(source / "file") << "original\n";
    Output out;
    SandboxSpec spec = shell(
        "for f in /usr/x /newfile /source/y /source/file /etc/hosts /dev/x /proc/x; do\n"
        "  (echo x > $f) 2>/dev/null && echo \"wrote $f\"\n"
        "done\n"
        "mkdir /usr/d 2>/dev/null && echo 'made /usr/d'\n"
        "echo built > /build/out && echo scratch > /tmp/t && cat /tmp/t && cat /source/file\n",
        out.fd());
    spec.binds = {SandboxBind{build, "/build", true}, SandboxBind{source, "/source", false}};
    Outcome o = run_as(GetParam(), spec);
    ASSERT_EQ(o.error, "");
    EXPECT_TRUE(o.result.succeeded()) << out.text();
    EXPECT_EQ(out.text(), "scratch\noriginal\n");
    std::ifstream in(build / "out");
    std::string line;
    std::getline(in, line);
    EXPECT_EQ(line, "built");
    EXPECT_FALSE(fs::exists(source / "y"));
    EXPECT_FALSE(fs::exists("/usr/x"));
    EXPECT_FALSE(fs::exists("/newfile"));
    // The file belongs to the sandbox's owner on the host.
    struct stat st {};
    ASSERT_EQ(::stat((build / "out").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, GetParam() == As::root ? pkg::sandbox_id_base : nobody_id);
}

TEST_P(SandboxAs, NoRemountMakesTheTreeWritable) {
    fs::path build = dir("build", true);
    Output out;
    SandboxSpec spec = shell(
        "for m in / /usr /source; do\n"
        "  mount -o remount,rw $m 2>/dev/null && echo \"remounted $m\"\n"
        "  mount -o remount,bind,rw $m 2>/dev/null && echo \"rebound $m\"\n"
        "done\n"
        "umount -l /usr 2>/dev/null && echo 'unmounted /usr'\n"
        "touch /usr/x 2>/dev/null && echo 'wrote /usr/x'\n"
        "touch /source/x 2>/dev/null && echo 'wrote /source/x'\n"
        "echo done\n",
        out.fd());
    fs::path source = dir("source", false);
    spec.binds = {SandboxBind{build, "/build", true}, SandboxBind{source, "/source", false}};
    Outcome o = run_as(GetParam(), spec);
    ASSERT_EQ(o.error, "");
    EXPECT_EQ(out.text(), "done\n");
    EXPECT_FALSE(fs::exists(source / "x"));
}

TEST_P(SandboxAs, InstallAsRootWorksInTheWritableBind) {
    fs::path build = dir("build", true);
    Output out;
    SandboxSpec spec = shell(
        "id -u; install -o root -g root -m 4755 /bin/true /build/t && stat -c '%u %g %a' /build/t",
        out.fd());
    spec.binds = {SandboxBind{build, "/build", true}};
    Outcome o = run_as(GetParam(), spec);
    ASSERT_EQ(o.error, "");
    EXPECT_TRUE(o.result.succeeded()) << out.text();
    EXPECT_EQ(out.text(), "0\n0 0 4755\n");
    struct stat st {};
    ASSERT_EQ(::stat((build / "t").c_str(), &st), 0);
    unsigned owner = GetParam() == As::root ? pkg::sandbox_id_base : nobody_id;
    EXPECT_EQ(st.st_uid, owner);
    EXPECT_EQ(st.st_gid, owner);
    EXPECT_EQ(st.st_mode & 07777, 04755u);
}

TEST_P(SandboxAs, ADaemonDoesNotOutliveTheBuild) {
    std::string token = unique_token();
    OutputPipe out;
    // One daemon in a session of its own, one orphan reparented to the
    // sandbox's init; both hold the output pipe.
    Outcome o = run_as(GetParam(), shell("setsid sh -c 'sleep " + token +
                                             " & echo $! > /tmp/pid' & wait\n"
                                             "(sleep " +
                                             token +
                                             " &)\n"
                                             "kill -0 $(cat /tmp/pid) && echo alive\n",
                                         out.fd()));
    ASSERT_EQ(o.error, "");
    EXPECT_TRUE(o.result.succeeded());
    std::string text;
    EXPECT_TRUE(out.drained_to_end(text)) << "a process of the sandbox still holds its output";
    EXPECT_EQ(text, "alive\n");
    EXPECT_EQ(processes_with(token), 0);
}

TEST_P(SandboxAs, ATimeoutKillsEverything) {
    std::string token = unique_token();
    OutputPipe out;
    SandboxSpec spec = shell("sleep " + token + " & echo started; sleep " + token, out.fd());
    spec.timeout = std::chrono::seconds(1);
    Outcome o = run_as(GetParam(), spec);
    ASSERT_EQ(o.error, "");
    EXPECT_TRUE(o.result.timed_out);
    EXPECT_FALSE(o.result.succeeded());
    EXPECT_EQ(o.result.describe(spec.timeout), "timed out after 1 s");
    std::string text;
    EXPECT_TRUE(out.drained_to_end(text)) << "a process of the sandbox still holds its output";
    EXPECT_EQ(text, "started\n");
    EXPECT_EQ(processes_with(token), 0);
}

TEST_P(SandboxAs, ItsOwnHostnameProcDevAndTmp) {
    Output out;
    Outcome o =
        run_as(GetParam(), shell("uname -n; echo /proc/[0-9]*; cat /proc/1/comm\n"
                                 "echo gone > /dev/null && head -c 3 /dev/zero | od -An -tx1\n"
                                 "stat -c %a /tmp; ls -A /tmp | wc -l\n"
                                 "test -e /sys/kernel || echo no-sys\n"
                                 "ls /dev\n",
                                 out.fd()));
    ASSERT_EQ(o.error, "");
    EXPECT_TRUE(o.result.succeeded()) << out.text();
    EXPECT_EQ(out.text(),
              "localhost\n/proc/1 /proc/2\nsandbox\n 00 00 00\n1777\n0\nno-sys\n"
              "fd\nfull\nnull\nptmx\npts\nrandom\nshm\nstderr\nstdin\nstdout\ntty\nurandom\n"
              "zero\n");
}

TEST_P(SandboxAs, TheCommandInheritsNoOtherDescriptor) {
    // As a root's lock may be held: a descriptor without close-on-exec.
    int fd = ::open("/dev/null", O_RDONLY);
    ASSERT_GE(fd, 0);
    int high = ::fcntl(fd, F_DUPFD, 200);
    Output out;
    SandboxSpec spec = shell("ls /proc/self/fd", out.fd());
    spec.argv = {"/bin/ls", "/proc/self/fd"};
    Outcome o = run_as(GetParam(), spec);
    ::close(high);
    ::close(fd);
    ASSERT_EQ(o.error, "");
    // 0, 1, 2, and the descriptor ls reads the directory through.
    EXPECT_EQ(out.text(), "0\n1\n2\n3\n");
}

TEST_P(SandboxAs, ASetupFailureIsASystemErrorNamingTheStep) {
    Output out;
    SandboxSpec spec = shell("true", out.fd());
    spec.binds = {SandboxBind{"/nonexistent-sandbox-source", "/build", true}};
    Outcome o = run_as(GetParam(), spec);
    EXPECT_TRUE(o.system_error) << o.error;
    EXPECT_NE(o.error.find("step bind"), std::string::npos) << o.error;
    EXPECT_NE(o.error.find("/nonexistent-sandbox-source"), std::string::npos) << o.error;
    EXPECT_NE(o.error.find("No such file or directory"), std::string::npos) << o.error;

    // A command that cannot be run is the sandbox's failure too, not an
    // exit status of the build's.
    spec = shell("true", out.fd());
    spec.argv = {"/nonexistent-command"};
    o = run_as(GetParam(), spec);
    EXPECT_TRUE(o.system_error) << o.error;
    EXPECT_NE(o.error.find("step exec"), std::string::npos) << o.error;

    spec = shell("true", out.fd());
    spec.directory = "/nonexistent-directory";
    o = run_as(GetParam(), spec);
    EXPECT_TRUE(o.system_error) << o.error;
    EXPECT_NE(o.error.find("step chdir"), std::string::npos) << o.error;
}

TEST_P(SandboxAs, RefusesABindInsideThatIsNotAbsoluteOrInTheReadOnlyTree) {
    fs::path build = dir("build", true);
    Output out;
    for (const char* inside : {"build", "/build/../etc", "/"}) {
        SandboxSpec spec = shell("true", out.fd());
        spec.binds = {SandboxBind{build, inside, true}};
        Outcome o = run_as(GetParam(), spec);
        EXPECT_TRUE(o.system_error) << inside << ": " << o.error;
        EXPECT_NE(o.error.find("step arguments"), std::string::npos) << o.error;
        EXPECT_NE(o.error.find("is not an absolute path"), std::string::npos) << o.error;
    }
    SandboxSpec spec = shell("true", out.fd());
    spec.binds = {SandboxBind{build, "/usr/new-directory", true}};
    Outcome o = run_as(GetParam(), spec);
    EXPECT_TRUE(o.system_error) << o.error;
    EXPECT_NE(o.error.find("read-only build root"), std::string::npos) << o.error;
    // An existing directory of the read-only tree may be mounted over.
    spec = shell("touch /usr/share/x && echo wrote", out.fd());
    spec.binds = {SandboxBind{build, "/usr/share", true}};
    o = run_as(GetParam(), spec);
    EXPECT_EQ(o.error, "");
    EXPECT_TRUE(fs::exists(build / "x"));
}

TEST_P(SandboxAs, WithoutIsolationTheSameCommandEnvironmentAndTimeout) {
    fs::path build = dir("build", true);
    Output out;
    SandboxSpec spec;
    spec.isolate = false;
    spec.argv = {"/bin/sh", "-c", "pwd; env; exit 4"};
    spec.environment = {"PATH=/usr/bin:/bin", "ONLY=this"};
    spec.directory = build;
    spec.output_fd = out.fd();
    Outcome o = run_as(GetParam(), spec);
    ASSERT_EQ(o.error, "");
    EXPECT_EQ(o.result.exit_status, 4);
    EXPECT_EQ(out.text(),
              build.string() + "\nPATH=/usr/bin:/bin\nONLY=this\nPWD=" + build.string() + "\n");

    std::string token = unique_token();
    OutputPipe pipe;
    // One in the command's process group, one in a session of its own.
    spec = shell("sleep " + token + " & setsid sleep " + token + " & sleep " + token, pipe.fd());
    spec.isolate = false;
    spec.timeout = std::chrono::seconds(1);
    o = run_as(GetParam(), spec);
    ASSERT_EQ(o.error, "");
    EXPECT_TRUE(o.result.timed_out);
    std::string text;
    EXPECT_TRUE(pipe.drained_to_end(text)) << "a process of the command's group is left";
    EXPECT_EQ(processes_with(token), 0);
}

// A build root other than the host's: its top level is what the sandbox
// shows (directories read-only, links recreated, /home and files left out),
// with no /etc/hosts added where it has none.
TEST_P(SandboxAs, ShowsTheBuildRootsTopLevelOnly) {
    const fs::path shell_binary = "/usr/bin/dash";
    const fs::path libc = "/lib/x86_64-linux-gnu/libc.so.6";
    const fs::path loader = "/lib64/ld-linux-x86-64.so.2";
    if (!fs::exists(shell_binary) || !fs::exists(libc) || !fs::exists(loader))
        GTEST_SKIP() << "needs Debian's dash and glibc on x86_64";
    fs::path root = dir("root", false);
    for (const fs::path& file : {shell_binary, libc, loader}) {
        fs::path copy = root / file.relative_path();
        fs::create_directories(copy.parent_path());
        fs::copy_file(file, copy);
    }
    fs::create_symlink("usr/bin", root / "bin");
    fs::create_directories(root / "etc");
    fs::create_directories(root / "home" / "someone");
    std::ofstream(root / "loose-file") << "x";
    fs::path build = dir("build", true);
    Output out;
    SandboxSpec spec;
    spec.build_root = root;
    spec.binds = {SandboxBind{build, "/build", true}};
    spec.argv = {"/bin/dash", "-c",
                 "echo /*; echo /etc/*; (echo x > /etc/new) 2>/dev/null || echo read-only; "
                 "echo y > /build/y && echo wrote"};
    spec.environment = {"PATH=/bin"};
    spec.directory = "/build";
    spec.output_fd = out.fd();
    Outcome o = run_as(GetParam(), spec);
    ASSERT_EQ(o.error, "");
    EXPECT_TRUE(o.result.succeeded()) << out.text();
    EXPECT_EQ(out.text(),
              "/bin /build /dev /etc /lib /lib64 /proc /tmp /usr\n/etc/*\nread-only\nwrote\n");
    EXPECT_FALSE(fs::exists(root / "etc" / "new"));
    EXPECT_TRUE(fs::exists(build / "y"));
}

// Killing pkg kills the sandbox: the helper and the sandbox's init die with
// their parents (PR_SET_PDEATHSIG), and init's death ends the namespace.
TEST(Sandbox, KillingTheCallerKillsTheSandbox) {
    std::string token = unique_token();
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    pid_t caller = ::fork();
    if (caller == 0) {
        ::close(fds[0]);
        SandboxSpec spec = shell("echo started; exec sleep " + token, fds[1]);
        run_here(spec);
        ::_exit(0);
    }
    ::close(fds[1]);
    char buffer[8];
    ASSERT_EQ(::read(fds[0], buffer, 8), 8);  // "started\n": the sandbox runs
    ::kill(caller, SIGKILL);
    int status = 0;
    ::waitpid(caller, &status, 0);
    // Blocks until the last holder of the output is gone.
    EXPECT_EQ(read_fd(fds[0]), "");
    ::close(fds[0]);
    EXPECT_EQ(processes_with(token), 0);
}

TEST(Sandbox, GiveToSandboxChangesTheTreeNotWhatLinksPointTo) {
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root";
    pkgtest::ScratchDir scratch;
    fs::path outside = fs::path(scratch.path()) / "outside";
    std::ofstream(outside) << "x";
    fs::path tree = fs::path(scratch.path()) / "tree";
    fs::create_directories(tree / "sub");
    std::ofstream(tree / "sub" / "file") << "x";
    fs::create_symlink(outside, tree / "link");
    pkg::give_to_sandbox(tree);
    for (const fs::path& p : {tree, tree / "sub", tree / "sub" / "file", tree / "link"}) {
        struct stat st {};
        ASSERT_EQ(::lstat(p.c_str(), &st), 0);
        EXPECT_EQ(st.st_uid, pkg::sandbox_id_base) << p;
        EXPECT_EQ(st.st_gid, pkg::sandbox_id_base) << p;
    }
    struct stat st {};
    ASSERT_EQ(::stat(outside.c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, 0u);
    EXPECT_EQ(pkg::sandbox_owner().uid, pkg::sandbox_id_base);
}

}  // namespace

// As root, the sandbox's ids are mapped ones that host permissions do not
// favour; binds and the build root are still reached below a directory of
// mode 700 (as a checkout in /root is), through trees pkg copies as root.
TEST(Sandbox, AsRootBindsBelowAPrivateDirectoryAreReached) {
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root";
    pkgtest::ScratchDir scratch;
    fs::path hidden = fs::path(scratch.path()) / "private";
    fs::create_directories(hidden / "ro");
    fs::create_directories(hidden / "rw");
    ::chmod(hidden.c_str(), 0700);
    std::ofstream(hidden / "ro" / "data") << "readable\n";
    pkg::give_to_sandbox(hidden / "rw");
    Output out;
    pkg::SandboxSpec spec = shell("cat /ro/data && echo written >/rw/file", out.fd());
    spec.binds = {{hidden / "ro", "/ro", false}, {hidden / "rw", "/rw", true}};
    pkg::SandboxResult r = pkg::run_sandboxed(spec);
    EXPECT_TRUE(r.succeeded()) << out.text();
    EXPECT_EQ(out.text(), "readable\n");
    std::ifstream in(hidden / "rw" / "file");
    std::string line;
    std::getline(in, line);
    EXPECT_EQ(line, "written");
}
