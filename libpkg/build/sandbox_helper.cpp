// lib/pkg/sandbox: sets up the build sandbox and runs one command in it
// (DESIGN.md, "The sandbox"). A program of its own, linking nothing of
// libpkg, so that pkg starts it with posix_spawn: a freshly executed
// process has one thread, so clone() and unshare() are safe here whatever
// pkg's threads do. Plain system calls, no threads, no sleeps.
//
// Command line (run_sandboxed writes it; everything the job needs is on it):
//
//   sandbox --report-fd N [--parent-pid PID] [--map-base ID] [--no-isolate]
//           [--root DIR] [--bind HOST INSIDE]... [--bind-rw HOST INSIDE]...
//           [--chdir DIR] [--timeout SECONDS] [--env NAME=VALUE]...
//           -- ARGV...
//
// The command's environment is exactly the --env entries; its stdout and
// stderr are the helper's own (inherited), its stdin /dev/null.
//
// The report, one line on fd N (every other line is an error):
//   "exit CODE" | "signal NUMBER" | "timeout"          the command's end
//   "setup ERRNO STEP DETAIL"                          a setup step failed
// A setup failure is also said on stderr (the build log), and the process
// that failed exits with 100 + the step's number.
//
// Processes (isolated): H, this program, in the host's namespaces, clones
// I into new user, mount, PID, network, IPC and UTS namespaces and writes
// its id maps; I, the sandbox's init (pid 1), builds the root, pivots into
// it and clones B into a nested user and mount namespace, where every mount
// is locked (no remount can make the tree writable); B execs the command.
// I reaps everything until B exits and sends B's wait status to H; when I
// exits, the kernel kills whatever else is left in the PID namespace.

#include "sandbox_helper.hpp"

namespace sandbox {
namespace {

struct Deadline {
    bool set = false;
    struct timespec at {};
};

Deadline deadline_after(long seconds) {
    Deadline d;
    if (seconds <= 0)
        return d;
    d.set = true;
    ::clock_gettime(CLOCK_MONOTONIC, &d.at);
    d.at.tv_sec += seconds;
    return d;
}

// Waits until the process of `pidfd` exits (true) or the deadline passes
// (false).
bool wait_until(int pidfd, const Deadline& deadline) {
    for (;;) {
        int ms = -1;
        if (deadline.set) {
            struct timespec now {};
            ::clock_gettime(CLOCK_MONOTONIC, &now);
            long long left_ns =
                (static_cast<long long>(deadline.at.tv_sec) - now.tv_sec) * 1000000000LL +
                (deadline.at.tv_nsec - now.tv_nsec);
            if (left_ns <= 0)
                return false;
            long long left_ms = (left_ns + 999999) / 1000000;
            ms = left_ms > 1 << 30 ? 1 << 30 : static_cast<int>(left_ms);
        }
        struct pollfd p {
            pidfd, POLLIN, 0
        };
        int n = ::poll(&p, 1, ms);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fail(Step::wait, errno, "cannot wait for the sandbox");
        }
        if (n > 0)
            return true;
    }
}

void kill_pidfd(int pidfd) {
    if (::syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0) != 0 && errno != ESRCH)
        fail(Step::kill, errno, "cannot kill the sandbox");
}

int reap(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            fail(Step::wait, errno, "cannot wait for the sandbox");
    }
    return status;
}

void report_status(int status) {
    if (WIFSIGNALED(status))
        report("signal " + std::to_string(WTERMSIG(status)));
    else
        report("exit " + std::to_string(WEXITSTATUS(status)));
}

// This process's children, from /proc/PID/stat (/proc/self/task/*/children
// needs CONFIG_PROC_CHILDREN, which not every kernel has).
std::vector<pid_t> children() {
    std::vector<pid_t> found;
    DIR* dir = ::opendir("/proc");
    if (!dir)
        return found;
    pid_t self = ::getpid();
    while (struct dirent* entry = ::readdir(dir)) {
        if (entry->d_name[0] < '1' || entry->d_name[0] > '9')
            continue;
        std::string path = std::string("/proc/") + entry->d_name + "/stat";
        int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        char buffer[1024];
        ssize_t n = ::read(fd, buffer, sizeof buffer - 1);
        ::close(fd);
        if (n <= 0)
            continue;
        buffer[n] = '\0';
        // "PID (COMM) STATE PPID ...": COMM may hold anything, so after the last ')'.
        const char* paren = std::strrchr(buffer, ')');
        int ppid = 0;
        char state = 0;
        if (paren && std::sscanf(paren + 1, " %c %d", &state, &ppid) == 2 && ppid == self)
            found.push_back(static_cast<pid_t>(std::atoi(entry->d_name)));
    }
    ::closedir(dir);
    return found;
}

// Kills the command's process group and every process left under this one
// (a subreaper: orphans of the command are reparented here), and reaps them,
// so that none is left when the helper reports.
void kill_descendants(pid_t group) {
    for (;;) {
        ::kill(-group, SIGKILL);
        for (pid_t child : children())
            ::kill(child, SIGKILL);
        int status = 0;
        if (::waitpid(-1, &status, __WALL) < 0) {
            if (errno == EINTR)
                continue;
            if (errno == ECHILD)
                return;
            fail(Step::wait, errno, "cannot wait for the command's processes");
        }
    }
}

// --no-isolate: the command in its own session and process group; when it
// ends or times out, the group and everything it left behind is killed.
int run_plain(const Job& job, const Deadline& deadline) {
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    pid_t self = ::getpid();
    int pidfd = -1;
    pid_t pid = clone_process(0, &pidfd);
    if (pid < 0)
        fail(Step::clone, errno, "cannot start the command");
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != self)
            ::_exit(1);
        exec_command(job);
    }
    bool ended = wait_until(pidfd, deadline);
    if (!ended)
        kill_pidfd(pidfd);
    // A zombie keeps its pid, and so its process group's id, until reaped.
    siginfo_t info{};
    while (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) != 0) {
        if (errno != EINTR)
            fail(Step::wait, errno, "cannot wait for the command");
    }
    ::kill(-pid, SIGKILL);
    int status = reap(pid);
    kill_descendants(pid);
    if (ended)
        report_status(status);
    else
        report("timeout");
    return 0;
}

// As root, the sandbox is set up as a mapped id that host permissions do
// not favour: a bind source below a directory of mode 700 (/root) would be
// out of its reach. H, still the host's root, copies each source's mount
// tree and the build root's, detached (open_tree); I attaches them where
// they belong (move_mount), walking no host directory on the way. What a
// build sees inside is the same.
void open_trees(Job& job) {
    auto open_tree = [](const std::string& path, Step step) {
        int fd = static_cast<int>(::syscall(SYS_open_tree, AT_FDCWD, path.c_str(),
                                            OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
        if (fd < 0)
            fail(step, errno, "cannot reach " + path);
        return fd;  // kept across clone (no exec between): I inherits it
    };
    job.root_tree = open_tree(job.root, Step::build_root);
    for (Bind& bind : job.binds)
        bind.tree = open_tree(bind.host, Step::bind);
}

int run_isolated(Job& job, const Deadline& deadline) {
    job.privileged = ::geteuid() == 0;
    if (job.privileged)
        open_trees(job);
    // pkg's supplementary groups (root's) are host groups the map leaves
    // out; kept, they would still grant access to group-writable host files.
    if (job.privileged && ::setgroups(0, nullptr) != 0)
        fail(Step::id_map, errno, "cannot drop the supplementary groups");
    int status_pipe[2];
    int go_pipe[2];
    make_pipe(status_pipe);
    make_pipe(go_pipe);
    // For I to know whether H is still there (see init_main).
    int self = static_cast<int>(::syscall(SYS_pidfd_open, ::getpid(), 0));
    if (self < 0)
        fail(Step::clone, errno, "cannot open a pidfd of the helper");
    ::fcntl(self, F_SETFD, FD_CLOEXEC);
    int pidfd = -1;
    pid_t init = clone_process(
        CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS,
        &pidfd);
    if (init < 0)
        fail(Step::clone, errno, "cannot clone into new namespaces");
    if (init == 0) {
        ::close(status_pipe[0]);
        ::close(go_pipe[1]);
        init_main(job, status_pipe[1], go_pipe[0], self);
    }
    ::close(status_pipe[1]);
    ::close(go_pipe[0]);
    ::close(self);

    if (!read_byte(status_pipe[0]))
        ::_exit(WEXITSTATUS(reap(init)));  // I said why, if it could
    std::string uid_map, gid_map;
    if (job.privileged) {
        uid_map = "0 " + std::to_string(job.map_base) + " " + std::to_string(map_size);
        gid_map = uid_map;
    } else {
        uid_map = "0 " + std::to_string(::geteuid()) + " 1";
        gid_map = "0 " + std::to_string(::getegid()) + " 1";
    }
    write_id_maps(init, uid_map, gid_map, Step::id_map);
    write_byte(go_pipe[1], Step::handshake);
    ::close(go_pipe[1]);

    bool ended = wait_until(pidfd, deadline);
    if (!ended)
        kill_pidfd(pidfd);  // pid 1: the kernel kills the whole namespace
    int status = reap(init);
    if (!ended) {
        report("timeout");
        return 0;
    }
    int command_status = 0;
    ssize_t n = ::read(status_pipe[0], &command_status, sizeof command_status);
    if (n != sizeof command_status) {
        // I failed (and reported) or was killed.
        if (WIFSIGNALED(status))
            fail(Step::wait, EINTR,
                 "the sandbox's init was killed by signal " + std::to_string(WTERMSIG(status)));
        return WEXITSTATUS(status) == 0 ? 1 : WEXITSTATUS(status);
    }
    report_status(command_status);
    return 0;
}

}  // namespace
}  // namespace sandbox

using namespace sandbox;

int main(int argc, char** argv) {
    // First of all: when pkg dies, so does the sandbox.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    Job job = parse(argc, argv);
    if (job.parent != 0 && ::getppid() != job.parent)
        fail(Step::parent, ESRCH, "pkg exited before the sandbox started");
    Deadline deadline = deadline_after(job.timeout);
    return job.isolate ? run_isolated(job, deadline) : run_plain(job, deadline);
}
