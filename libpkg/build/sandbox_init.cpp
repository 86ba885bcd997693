// The sandbox's init (I, pid 1) and the command's process (B).

#include "sandbox_helper.hpp"

namespace sandbox {

// In the process that will exec the command: its own session (no
// controlling terminal of pkg's), its directory, stdin /dev/null, no other
// descriptor.
[[noreturn]] void exec_command(const Job& job) {
    ::setsid();
    if (::chdir(job.directory.c_str()) != 0)
        fail(Step::chdir, errno, "cannot enter the working directory " + job.directory);
    int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null < 0 || ::dup2(null, 0) != 0)
        fail(Step::stdin, errno, "cannot open /dev/null as stdin");
    ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);  // the report fd stays until the exec
    std::vector<char*> argv = c_strings(job.argv);
    std::vector<char*> envp = c_strings(job.environment);
    ::execve(argv[0], argv.data(), envp.data());
    fail(Step::exec, errno, "cannot run " + job.argv[0]);
}

namespace {

// B: in a user and mount namespace nested in I's, so that the mounts I made
// are locked for it.
[[noreturn]] void command_main(const Job& job, int mapped_fd) {
    if (!read_byte(mapped_fd))
        ::_exit(1);  // I died
    ::close(mapped_fd);
    exec_command(job);
}

}  // namespace

// I, pid 1 of the sandbox.
[[noreturn]] void init_main(const Job& job, int status_fd, int go_fd, int parent_pidfd) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    // Ready only now, so H cannot have died unseen before the prctl: if it
    // dies later, the kernel kills this process.
    write_byte(status_fd, Step::handshake);
    if (!read_byte(go_fd))
        ::_exit(1);
    ::close(go_fd);
    // Become the namespace's root: as host root this process still runs as
    // host uid 0, which the map leaves out, so what it creates would belong
    // to no one inside. The id change made it undumpable, which would leave
    // /proc/PID of its children to the host's root: set it back.
    if (::setresgid(0, 0, 0) != 0 || ::setresuid(0, 0, 0) != 0)
        fail(Step::id_map, errno, "cannot become root in the sandbox");
    ::prctl(PR_SET_DUMPABLE, 1);
    // The id change also cleared the parent-death signal: set it again, then
    // make sure H did not die in between (getppid() says 0 here, H being
    // outside the PID namespace: its pidfd says whether it lives).
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    struct pollfd parent {
        parent_pidfd, POLLIN, 0
    };
    if (::poll(&parent, 1, 0) != 0)
        ::_exit(1);
    ::close(parent_pidfd);

    build_root(job);

    int mapped[2];
    make_pipe(mapped);
    pid_t command = clone_process(CLONE_NEWUSER | CLONE_NEWNS, nullptr);
    if (command < 0)
        fail(Step::command_namespace, errno, "cannot clone the command's process");
    if (command == 0) {
        ::close(mapped[1]);
        ::close(status_fd);
        command_main(job, mapped[0]);
    }
    ::close(mapped[0]);
    // Ids inside are ids outside: the build's root still owns DESTDIR.
    std::string map = job.privileged ? "0 0 " + std::to_string(map_size) : "0 0 1";
    write_id_maps(command, map, map, Step::command_map);
    write_byte(mapped[1], Step::command_map);
    ::close(mapped[1]);

    // pid 1 reaps every orphan of the namespace until the command ends.
    for (;;) {
        int status = 0;
        pid_t pid = ::waitpid(-1, &status, __WALL);
        if (pid < 0) {
            if (errno == EINTR)
                continue;
            fail(Step::wait, errno, "cannot wait for the command");
        }
        if (pid == command) {
            if (::write(status_fd, &status, sizeof status) != sizeof status)
                ::_exit(1);
            ::_exit(0);
        }
    }
}

}  // namespace sandbox
