// The sandbox's root (DESIGN.md, "The sandbox"): the build root's top level
// read-only, the binds, /dev, /proc, /tmp, /etc/hosts, the loopback, then
// pivot_root into it.

#include "sandbox_helper.hpp"

namespace sandbox {
namespace {

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

}  // namespace

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

}  // namespace sandbox
