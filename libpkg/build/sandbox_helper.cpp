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

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/sched.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

namespace {

// The default first host id of the range root's sandbox is mapped to; the
// launcher passes sandbox_owner() as --map-base.
constexpr unsigned default_map_base = 0x70000000;
constexpr unsigned map_size = 65536;

enum class Step : int {
    arguments = 1,
    parent,
    pipe,
    clone,
    id_map,
    handshake,
    private_mounts,
    base,
    new_root,
    build_root,
    tmp,
    proc,
    dev,
    bind,
    hosts,
    hostname,
    network,
    pivot,
    read_only,
    command_namespace,
    command_map,
    chdir,
    stdin,
    exec,
    wait,
    kill,
};

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

struct Bind {
    std::string host;
    std::string inside;
    bool writable = false;
    int tree = -1;  // a detached copy of `host`'s mount tree, made by H (see open_trees)
};

struct Job {
    pid_t parent = 0;
    bool isolate = true;
    bool privileged = false;  // root on the host: map a range, not one id
    unsigned map_base = default_map_base;
    std::string root = "/";
    int root_tree = -1;  // a detached copy of `root`'s mount tree, made by H
    std::vector<Bind> binds;
    std::string directory = "/";
    long timeout = 0;
    std::vector<std::string> environment;
    std::vector<std::string> argv;
};

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

// ---------------------------------------------------------------- mounts

void set_mount_attributes(const std::string& path, std::uint64_t set, bool recursive, Step step) {
    struct mount_attr attr {};
    attr.attr_set = set;
    unsigned flags = AT_SYMLINK_NOFOLLOW | (recursive ? AT_RECURSIVE : 0);
    // glibc 2.36 has the wrapper, older ones do not: the system call is the same.
    if (::syscall(SYS_mount_setattr, AT_FDCWD, path.c_str(), flags, &attr, sizeof attr) != 0)
        fail(step, errno, "cannot set the flags of the mount at " + path);
}

void mount_or_fail(const char* source, const std::string& target, const char* type,
                   unsigned long flags, const char* data, Step step) {
    if (::mount(source, target.c_str(), type, flags, data) != 0) {
        fail(step, errno,
             std::string("cannot mount ") +
                 (type     ? type
                  : source ? source
                           : "") +
                 " at " + target);
    }
}

void make_directory(const std::string& path, mode_t mode, Step step) {
    if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST)
        fail(step, errno, "cannot create the directory " + path);
}

void make_symlink(const std::string& target, const std::string& path, Step step) {
    if (::symlink(target.c_str(), path.c_str()) != 0)
        fail(step, errno, "cannot create the symbolic link " + path);
}

void make_empty_file(const std::string& path, Step step) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        fail(step, errno, "cannot create the file " + path);
    ::close(fd);
}

// During setup the host's root is at /oldroot and the new root at /newroot,
// both under a scratch tmpfs that is the process's root (bubblewrap's way:
// host paths stay reachable at /oldroot whatever the new root hides).
const std::string old_root = "/oldroot";
const std::string new_root = "/newroot";

bool skipped_top_level(const std::string& name) {
    static const char* const skipped[] = {"proc", "sys", "dev",   "tmp", "run",        "home",
                                          "root", "mnt", "media", "srv", "lost+found", "boot"};
    for (const char* s : skipped) {
        if (name == s)
            return true;
    }
    return name == "." || name == "..";
}

// The build root's top level: directories bound read-only, symbolic links
// (usrmerge's /bin -> usr/bin) recreated; the rest (/proc, /tmp, /home …)
// is the sandbox's own or absent.
// Attaches a tree H detached (see open_trees) at `to`.
void attach_tree(int tree, const std::string& to, Step step) {
    if (::syscall(SYS_move_mount, tree, "", AT_FDCWD, to.c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0)
        fail(step, errno, "cannot attach a tree at " + to);
    ::close(tree);
}

const std::string build_root_stage = "/.pkg-build-root";

void bind_build_root(const Job& job) {
    std::string source = old_root + (job.root == "/" ? "" : job.root);
    if (job.root_tree >= 0) {
        // Reached through H's copy: only the root's own top level is walked.
        source = new_root + build_root_stage;
        make_directory(source, 0700, Step::build_root);
        attach_tree(job.root_tree, source, Step::build_root);
    }
    DIR* dir = ::opendir(source.c_str());
    if (!dir)
        fail(Step::build_root, errno, "cannot read the build root " + job.root);
    std::vector<std::string> names;
    while (struct dirent* entry = ::readdir(dir))
        names.push_back(entry->d_name);
    ::closedir(dir);
    for (const std::string& name : names) {
        if (skipped_top_level(name))
            continue;
        std::string from = source + "/" + name;
        std::string to = new_root + "/" + name;
        struct stat st {};
        if (::lstat(from.c_str(), &st) != 0)
            fail(Step::build_root, errno, "cannot stat " + from.substr(old_root.size()));
        if (S_ISLNK(st.st_mode)) {
            std::vector<char> target(static_cast<std::size_t>(PATH_MAX) + 1);
            ssize_t n = ::readlink(from.c_str(), target.data(), target.size() - 1);
            if (n < 0)
                fail(Step::build_root, errno,
                     "cannot read the link " + from.substr(old_root.size()));
            make_symlink(std::string(target.data(), static_cast<std::size_t>(n)), to,
                         Step::build_root);
        } else if (S_ISDIR(st.st_mode)) {
            make_directory(to, 0755, Step::build_root);
            mount_or_fail(from.c_str(), to, nullptr, MS_BIND | MS_REC, nullptr, Step::build_root);
            set_mount_attributes(to, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, true,
                                 Step::build_root);
        }
    }
    if (job.root_tree >= 0) {
        if (::umount2(source.c_str(), MNT_DETACH) != 0 || ::rmdir(source.c_str()) != 0)
            fail(Step::build_root, errno, "cannot take away " + build_root_stage);
    }
}

// Creates the mount point of a bind inside the new root: missing parents
// become directories of the new root's tmpfs (a new top-level /build), an
// existing directory of the read-only tree may be mounted over, but nothing
// is created in the read-only tree and no symbolic link is followed.
void make_mount_point(const Bind& bind, bool directory) {
    std::string path = new_root;
    std::size_t start = 1;
    const std::string& inside = bind.inside;
    while (start <= inside.size()) {
        std::size_t end = inside.find('/', start);
        if (end == std::string::npos)
            end = inside.size();
        std::string part = inside.substr(start, end - start);
        start = end + 1;
        if (part.empty())
            continue;
        path += "/" + part;
        bool last = end == inside.size();
        struct stat st {};
        if (::lstat(path.c_str(), &st) == 0) {
            if (S_ISLNK(st.st_mode))
                fail(Step::bind, ELOOP,
                     "cannot bind " + bind.host + " at " + inside + ": " +
                         path.substr(new_root.size()) + " is a symbolic link");
            if (!last && !S_ISDIR(st.st_mode))
                fail(Step::bind, ENOTDIR, "cannot bind " + bind.host + " at " + inside);
            if (last && directory != S_ISDIR(st.st_mode))
                fail(Step::bind, directory ? ENOTDIR : EISDIR,
                     "cannot bind " + bind.host + " at " + inside + ": not the same type");
            continue;
        }
        int made = (!last || directory)
                       ? ::mkdir(path.c_str(), 0755)
                       : ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (made < 0) {
            int err = errno;
            if (err == EROFS)
                fail(Step::bind, err,
                     "cannot bind " + bind.host + " at " + inside + ": " +
                         path.substr(new_root.size()) +
                         " would be created in the read-only build root");
            fail(Step::bind, err, "cannot create " + path.substr(new_root.size()));
        }
        if (last && !directory)
            ::close(made);
    }
}

void bind_given(const Job& job) {
    for (const Bind& bind : job.binds) {
        std::string from = old_root + bind.host;
        struct stat st {};
        int got = bind.tree >= 0 ? ::fstat(bind.tree, &st) : ::stat(from.c_str(), &st);
        if (got != 0)
            fail(Step::bind, errno, "cannot bind " + bind.host + " at " + bind.inside);
        make_mount_point(bind, S_ISDIR(st.st_mode));
        std::string to = new_root + bind.inside;
        if (bind.tree >= 0)
            attach_tree(bind.tree, to, Step::bind);
        else
            mount_or_fail(from.c_str(), to, nullptr, MS_BIND | MS_REC, nullptr, Step::bind);
        std::uint64_t flags = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
        if (!bind.writable)
            flags |= MOUNT_ATTR_RDONLY;
        set_mount_attributes(to, flags, true, Step::bind);
    }
}

void make_dev() {
    const std::string dev = new_root + "/dev";
    make_directory(dev, 0755, Step::dev);
    mount_or_fail("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755", Step::dev);
    // Device nodes cannot be made in a user namespace: the host's are bound
    // onto empty files.
    for (const char* name : {"null", "zero", "full", "random", "urandom", "tty"}) {
        std::string from = old_root + "/dev/" + name;
        struct stat st {};
        if (::stat(from.c_str(), &st) != 0 || !S_ISCHR(st.st_mode))
            continue;  // a host without it (a container without /dev/tty)
        std::string to = dev + "/" + name;
        make_empty_file(to, Step::dev);
        mount_or_fail(from.c_str(), to, nullptr, MS_BIND, nullptr, Step::dev);
    }
    make_directory(dev + "/pts", 0755, Step::dev);
    mount_or_fail("devpts", dev + "/pts", "devpts", MS_NOSUID | MS_NOEXEC,
                  "newinstance,ptmxmode=0666,mode=0620", Step::dev);
    make_symlink("pts/ptmx", dev + "/ptmx", Step::dev);
    make_directory(dev + "/shm", 0755, Step::dev);
    mount_or_fail("tmpfs", dev + "/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", Step::dev);
    make_symlink("/proc/self/fd", dev + "/fd", Step::dev);
    make_symlink("/proc/self/fd/0", dev + "/stdin", Step::dev);
    make_symlink("/proc/self/fd/1", dev + "/stdout", Step::dev);
    make_symlink("/proc/self/fd/2", dev + "/stderr", Step::dev);
}

// Only when the build root has one: nothing is added to a tree that lacks it.
void make_hosts() {
    std::string etc_hosts = new_root + "/etc/hosts";
    struct stat st {};
    if (::lstat(etc_hosts.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
        return;
    // In the scratch tmpfs, which the new root never shows.
    const std::string file = "/hosts";
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        fail(Step::hosts, errno, "cannot create " + file);
    write_all(fd, "127.0.0.1 localhost\n::1 localhost\n");
    ::close(fd);
    mount_or_fail(file.c_str(), etc_hosts, nullptr, MS_BIND, nullptr, Step::hosts);
    set_mount_attributes(etc_hosts, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, false,
                         Step::hosts);
}

// The kernel's struct in6_ifreq (linux/ipv6.h clashes with netinet/in.h).
struct In6Ifreq {
    struct in6_addr addr;
    std::uint32_t prefixlen;
    int ifindex;
};

void set_ipv4(int sock, const char* label, unsigned long request, const char* address) {
    struct ifreq req {};
    std::strncpy(req.ifr_name, label, IFNAMSIZ - 1);
    auto* in = reinterpret_cast<struct sockaddr_in*>(&req.ifr_addr);
    in->sin_family = AF_INET;
    ::inet_pton(AF_INET, address, &in->sin_addr);
    if (::ioctl(sock, request, &req) != 0)
        fail(Step::network, errno, std::string("cannot set ") + address + " on " + label);
}

// An empty network namespace: lo up, and a non-loopback address of each
// family on it, without which glibc's getaddrinfo(AI_ADDRCONFIG) resolves
// no "localhost".
void make_network() {
    int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0)
        fail(Step::network, errno, "cannot open a socket");
    struct ifreq req {};
    std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
    if (::ioctl(sock, SIOCGIFFLAGS, &req) != 0)
        fail(Step::network, errno, "cannot read the flags of lo");
    req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP | IFF_RUNNING);
    if (::ioctl(sock, SIOCSIFFLAGS, &req) != 0)
        fail(Step::network, errno, "cannot bring lo up");
    set_ipv4(sock, "lo:0", SIOCSIFADDR, "10.0.0.1");
    set_ipv4(sock, "lo:0", SIOCSIFNETMASK, "255.0.0.0");
    ::close(sock);

    int sock6 = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock6 < 0) {
        if (errno == EAFNOSUPPORT)
            return;  // a kernel without IPv6
        fail(Step::network, errno, "cannot open an IPv6 socket");
    }
    In6Ifreq req6{};
    ::inet_pton(AF_INET6, "fd::1", &req6.addr);
    req6.prefixlen = 8;
    req6.ifindex = static_cast<int>(::if_nametoindex("lo"));
    if (::ioctl(sock6, SIOCSIFADDR, &req6) != 0)
        fail(Step::network, errno, "cannot set fd::1/8 on lo");
    ::close(sock6);
}

void build_root(const Job& job) {
    // Nothing done here may reach the host's mounts.
    mount_or_fail(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr, Step::private_mounts);
    mount_or_fail("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700", Step::base);
    make_directory("/tmp" + old_root, 0700, Step::base);
    make_directory("/tmp" + new_root, 0700, Step::base);
    if (::syscall(SYS_pivot_root, "/tmp", ("/tmp" + old_root).c_str()) != 0)
        fail(Step::base, errno, "cannot pivot into the scratch tmpfs");
    if (::chdir("/") != 0)
        fail(Step::base, errno, "cannot enter the scratch tmpfs");

    mount_or_fail("tmpfs", new_root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755", Step::new_root);
    bind_build_root(job);
    make_directory(new_root + "/tmp", 01777, Step::tmp);
    mount_or_fail("tmpfs", new_root + "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777",
                  Step::tmp);
    // Before the old root goes: the kernel mounts a proc only where a full
    // one is visible.
    make_directory(new_root + "/proc", 0555, Step::proc);
    mount_or_fail("proc", new_root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr,
                  Step::proc);
    make_dev();
    bind_given(job);
    make_hosts();

    if (::sethostname("localhost", 9) != 0)
        fail(Step::hostname, errno, "cannot set the host name");
    make_network();

    // The host's tree goes first (private, so no unmount reaches the host).
    mount_or_fail(nullptr, old_root, nullptr, MS_REC | MS_PRIVATE, nullptr, Step::pivot);
    if (::umount2(old_root.c_str(), MNT_DETACH) != 0)
        fail(Step::pivot, errno, "cannot detach the host's root");
    if (::chdir(new_root.c_str()) != 0)
        fail(Step::pivot, errno, "cannot enter the new root");
    // The old root stacks on the new one, then goes with the scratch tmpfs.
    if (::syscall(SYS_pivot_root, ".", ".") != 0)
        fail(Step::pivot, errno, "cannot pivot into the new root");
    if (::umount2(".", MNT_DETACH) != 0)
        fail(Step::pivot, errno, "cannot detach the old root");
    if (::chdir("/") != 0)
        fail(Step::pivot, errno, "cannot enter the new root");
    set_mount_attributes("/", MOUNT_ATTR_RDONLY, false, Step::read_only);
    set_mount_attributes("/dev", MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, false,
                         Step::read_only);
}

// ---------------------------------------------------------------- processes

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

// B: in a user and mount namespace nested in I's, so that the mounts I made
// are locked for it.
[[noreturn]] void command_main(const Job& job, int mapped_fd) {
    if (!read_byte(mapped_fd))
        ::_exit(1);  // I died
    ::close(mapped_fd);
    exec_command(job);
}

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

int main(int argc, char** argv) {
    // First of all: when pkg dies, so does the sandbox.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    Job job = parse(argc, argv);
    if (job.parent != 0 && ::getppid() != job.parent)
        fail(Step::parent, ESRCH, "pkg exited before the sandbox started");
    Deadline deadline = deadline_after(job.timeout);
    return job.isolate ? run_isolated(job, deadline) : run_plain(job, deadline);
}
