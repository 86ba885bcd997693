// The sandbox helper's job: its command line, the failure report, and the
// small system-call steps its processes share.

#include "sandbox_helper.hpp"

namespace sandbox {

const char* step_name(Step step) {
    switch (step) {
        case Step::arguments:
            return "arguments";
        case Step::parent:
            return "parent";
        case Step::pipe:
            return "pipe";
        case Step::clone:
            return "clone";
        case Step::id_map:
            return "id-map";
        case Step::handshake:
            return "handshake";
        case Step::private_mounts:
            return "private-mounts";
        case Step::base:
            return "base";
        case Step::new_root:
            return "new-root";
        case Step::build_root:
            return "build-root";
        case Step::tmp:
            return "tmp";
        case Step::proc:
            return "proc";
        case Step::dev:
            return "dev";
        case Step::bind:
            return "bind";
        case Step::hosts:
            return "hosts";
        case Step::hostname:
            return "hostname";
        case Step::network:
            return "network";
        case Step::pivot:
            return "pivot";
        case Step::read_only:
            return "read-only";
        case Step::command_namespace:
            return "command-namespace";
        case Step::command_map:
            return "command-map";
        case Step::chdir:
            return "chdir";
        case Step::stdin:
            return "stdin";
        case Step::exec:
            return "exec";
        case Step::wait:
            return "wait";
        case Step::kill:
            return "kill";
    }
    return "unknown";
}

int report_fd = -1;

void write_all(int fd, const std::string& text) {
    const char* p = text.data();
    std::size_t left = text.size();
    while (left > 0) {
        ssize_t n = ::write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        p += n;
        left -= static_cast<std::size_t>(n);
    }
}

void report(const std::string& line) {
    if (report_fd >= 0)
        write_all(report_fd, line + "\n");
}

// One line each: a pipe write of less than PIPE_BUF bytes is atomic, so
// lines from H, I and B never interleave.
[[noreturn]] void fail(Step step, int err, std::string detail) {
    for (char& c : detail) {
        if (c == '\n')
            c = ' ';
    }
    if (detail.size() > 3000)
        detail.resize(3000);
    report("setup " + std::to_string(err) + " " + step_name(step) + " " + detail);
    write_all(2, std::string("pkg sandbox: ") + step_name(step) + ": " + detail + ": " +
                     std::strerror(err) + "\n");
    ::_exit(100 + static_cast<int>(step));
}

bool parse_number(const char* text, long max, long& out) {
    char* end = nullptr;
    errno = 0;
    long value = std::strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < 0 || value > max)
        return false;
    out = value;
    return true;
}

// An inside path: absolute, and no "." or ".." that could climb out of the
// new root while it is being built.
bool clean_absolute(const std::string& path) {
    if (path.empty() || path[0] != '/')
        return false;
    std::size_t start = 1;
    while (start <= path.size()) {
        std::size_t end = path.find('/', start);
        if (end == std::string::npos)
            end = path.size();
        std::string part = path.substr(start, end - start);
        if (part == "." || part == "..")
            return false;
        start = end + 1;
    }
    return true;
}

Job parse(int argc, char** argv) {
    Job job;
    int i = 1;
    auto value = [&](const char* option) -> const char* {
        if (i + 1 >= argc)
            fail(Step::arguments, EINVAL, std::string(option) + " needs a value");
        return argv[++i];
    };
    for (; i < argc; ++i) {
        std::string arg = argv[i];
        long number = 0;
        if (arg == "--") {
            ++i;
            break;
        } else if (arg == "--report-fd") {
            const char* text = value("--report-fd");
            if (!parse_number(text, 1 << 20, number))
                fail(Step::arguments, EINVAL, std::string("bad --report-fd ") + text);
            report_fd = static_cast<int>(number);
            // B must not keep it across its exec.
            ::fcntl(report_fd, F_SETFD, FD_CLOEXEC);
        } else if (arg == "--parent-pid") {
            const char* text = value("--parent-pid");
            if (!parse_number(text, 1L << 30, number))
                fail(Step::arguments, EINVAL, std::string("bad --parent-pid ") + text);
            job.parent = static_cast<pid_t>(number);
        } else if (arg == "--map-base") {
            const char* text = value("--map-base");
            if (!parse_number(text, 0xFFFFFFFFL - map_size, number))
                fail(Step::arguments, EINVAL, std::string("bad --map-base ") + text);
            job.map_base = static_cast<unsigned>(number);
        } else if (arg == "--no-isolate") {
            job.isolate = false;
        } else if (arg == "--root") {
            job.root = value("--root");
        } else if (arg == "--bind" || arg == "--bind-rw") {
            const char* option = argv[i];
            Bind bind;
            bind.host = value(option);
            bind.inside = value(option);
            bind.writable = arg == "--bind-rw";
            job.binds.push_back(bind);
        } else if (arg == "--chdir") {
            job.directory = value("--chdir");
        } else if (arg == "--timeout") {
            const char* text = value("--timeout");
            if (!parse_number(text, 1L << 30, number))
                fail(Step::arguments, EINVAL, std::string("bad --timeout ") + text);
            job.timeout = number;
        } else if (arg == "--env") {
            job.environment.push_back(value("--env"));
        } else {
            fail(Step::arguments, EINVAL, "unknown option " + arg);
        }
    }
    for (; i < argc; ++i)
        job.argv.push_back(argv[i]);

    if (job.argv.empty())
        fail(Step::arguments, EINVAL, "no command given");
    if (job.argv[0].empty() || job.argv[0][0] != '/')
        fail(Step::arguments, EINVAL, "the command " + job.argv[0] + " is not an absolute path");
    if (job.root.empty() || job.root[0] != '/')
        fail(Step::arguments, EINVAL, "the build root " + job.root + " is not an absolute path");
    if (job.directory.empty() || job.directory[0] != '/')
        fail(Step::arguments, EINVAL,
             "the working directory " + job.directory + " is not an absolute path");
    for (const Bind& bind : job.binds) {
        if (bind.host.empty() || bind.host[0] != '/')
            fail(Step::arguments, EINVAL, "the bound host path " + bind.host + " is not absolute");
        if (!clean_absolute(bind.inside) || bind.inside == "/")
            fail(Step::arguments, EINVAL,
                 "the bind of " + bind.host + " at " + bind.inside +
                     ": the inside path is not an absolute path below /, without . or ..");
    }
    for (const std::string& entry : job.environment) {
        if (entry.find('=') == std::string::npos)
            fail(Step::arguments, EINVAL, "environment entry " + entry + " has no '='");
    }
    return job;
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (const std::string& s : strings)
        out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

void make_pipe(int fds[2]) {
    if (::pipe2(fds, O_CLOEXEC) != 0)
        fail(Step::pipe, errno, "cannot create a pipe");
}

// clone3 without a new stack behaves as fork: the child returns 0 here.
pid_t clone_process(std::uint64_t flags, int* pidfd) {
    struct clone_args args {};
    args.flags = flags | (pidfd ? CLONE_PIDFD : 0);
    args.pidfd = reinterpret_cast<std::uint64_t>(pidfd);
    args.exit_signal = SIGCHLD;
    return static_cast<pid_t>(::syscall(SYS_clone3, &args, sizeof args));
}

bool read_byte(int fd) {
    char c = 0;
    for (;;) {
        ssize_t n = ::read(fd, &c, 1);
        if (n < 0 && errno == EINTR)
            continue;
        return n == 1;
    }
}

void write_byte(int fd, Step step) {
    char c = 'g';
    while (::write(fd, &c, 1) != 1) {
        if (errno != EINTR)
            fail(step, errno, "cannot signal a sandbox process");
    }
}

void write_file(const std::string& path, const std::string& text, Step step) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        fail(step, errno, "cannot open " + path);
    ssize_t n = ::write(fd, text.data(), text.size());
    int err = errno;
    ::close(fd);
    if (n != static_cast<ssize_t>(text.size()))
        fail(step, n < 0 ? err : EIO, "cannot write '" + text + "' to " + path);
}

void write_id_maps(pid_t pid, const std::string& uid_map, const std::string& gid_map, Step step) {
    std::string dir = "/proc/" + std::to_string(pid) + "/";
    write_file(dir + "setgroups", "deny", step);
    write_file(dir + "uid_map", uid_map, step);
    write_file(dir + "gid_map", gid_map, step);
}

}  // namespace sandbox
