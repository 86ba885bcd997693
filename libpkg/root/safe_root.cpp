#include "pkg/root/safe_root.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "pkg/error.hpp"
#include "pkg/file_read.hpp"

namespace pkg {

namespace {

// glibc 2.36 has no wrapper for openat2.
int openat2_beneath(int dirfd, const char* path, int flags) {
    struct open_how how {};
    how.flags = static_cast<unsigned long long>(flags);
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    return static_cast<int>(syscall(SYS_openat2, dirfd, path, &how, sizeof how));
}

struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

// The process's umask, as /proc/self/status tells it without changing it
// (umask(2) can only be read by setting it); all bits when it cannot be
// read, so that every mode is then set explicitly.
static mode_t current_umask() {
    int fd = ::open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 07777;
    char buffer[4096];
    ssize_t n = ::read(fd, buffer, sizeof buffer - 1);
    ::close(fd);
    if (n <= 0) return 07777;
    buffer[n] = '\0';
    const char* at = std::strstr(buffer, "\nUmask:");
    if (!at) return 07777;
    char* end = nullptr;
    unsigned long value = std::strtoul(at + 7, &end, 8);
    return end == at + 7 || value > 0777 ? 07777 : static_cast<mode_t>(value);
}

SafeRoot::SafeRoot(const std::filesystem::path& root) : root_(root), umask_(current_umask()) {
    root_fd_ = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root_fd_ < 0) throw SystemError{errno, root, "cannot open root {}", root.string()};
}

SafeRoot::~SafeRoot() {
    if (root_fd_ >= 0) ::close(root_fd_);
    forget_parent();
}

void SafeRoot::forget_parent() {
    if (parent_fd_ >= 0) ::close(parent_fd_);
    parent_fd_ = -1;
    parent_.clear();
}

int SafeRoot::cached_parent(const std::string& path, std::string& name) {
    std::size_t slash = path.rfind('/');
    if (slash == std::string::npos) {
        ::close(open_parent(path, name));  // the name's checks; its parent is the root
        return root_fd_;
    }
    if (slash != 0 && parent_fd_ >= 0 && parent_.size() == slash && path.compare(0, slash, parent_) == 0) {
        name = path.substr(slash + 1);
        if (name.empty() || name == "." || name == "..") throw Error("{}: not a name below the root", path);
        return parent_fd_;
    }
    int fd = open_parent(path, name);  // every check of the name, and the parent resolved afresh
    forget_parent();
    parent_fd_ = fd;
    parent_ = path.substr(0, slash);
    return parent_fd_;
}

int SafeRoot::open_parent(const std::string& path, std::string& name) const {
    if (path.empty() || path.front() == '/') throw Error("'{}': not a name below the root", path);
    size_t slash = path.rfind('/');
    name = slash == std::string::npos ? path : path.substr(slash + 1);
    if (name.empty() || name == "." || name == "..") throw Error("{}: not a name below the root", path);
    if (slash == std::string::npos) {
        int fd = ::fcntl(root_fd_, F_DUPFD_CLOEXEC, 0);
        if (fd < 0) throw SystemError{errno, root_, "cannot open {}", root_.string()};
        return fd;
    }
    std::string parent = path.substr(0, slash);
    int fd = openat2_beneath(root_fd_, parent.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        if (err == ELOOP || err == EXDEV) {
            throw SystemError(err, root_ / parent,
                              "{}/{}: a symlink stands where a directory is needed (a conflict, never followed)",
                              root_.string(), parent);
        }
        throw SystemError(err, root_ / parent, "cannot open directory {}/{}", root_.string(), parent);
    }
    return fd;
}

void SafeRoot::make_directory(const std::string& path, unsigned mode) {
    std::string name;
    Fd parent{open_parent(path, name)};
    if (::mkdirat(parent.fd, name.c_str(), 0700) == 0) {
        // The mode through a descriptor of the new directory itself, never by
        // name (a name could be swapped for a symlink in between).
        Fd dir{::openat(parent.fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)};
        if (dir.fd < 0 || ::fchmod(dir.fd, mode & 07777) != 0) {
            throw SystemError{errno, root_ / path, "cannot set the mode of {}/{}", root_.string(), path};
        }
        return;
    }
    int err = errno;
    struct stat st {};
    if (err == EEXIST && ::fstatat(parent.fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (S_ISDIR(st.st_mode)) return;
        if (S_ISLNK(st.st_mode)) {
            throw SystemError{err, root_ / path,
                              "{}/{}: a symlink stands where a directory is needed (a conflict, never followed)",
                              root_.string(), path};
        }
    }
    throw SystemError(err, root_ / path, "cannot create directory {}/{}", root_.string(), path);
}

int SafeRoot::open_directory(const std::string& path, bool create, unsigned mode) {
    if (path.empty() || path.front() == '/') throw Error("'{}': not a name below the root", path);
    if (create) {
        for (size_t slash = path.find('/'); ; slash = path.find('/', slash + 1)) {
            make_directory(path.substr(0, slash), mode);
            if (slash == std::string::npos) break;
        }
    }
    int fd = openat2_beneath(root_fd_, path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        if (err == ELOOP || err == EXDEV) {
            throw SystemError{err, root_ / path,
                              "{}/{}: a symlink stands where a directory is needed (a conflict, never followed)",
                              root_.string(), path};
        }
        throw SystemError{err, root_ / path, "cannot open directory {}/{}", root_.string(), path};
    }
    return fd;
}

void SafeRoot::set_mode(const std::string& path, unsigned mode) {
    std::string name;
    int parent = cached_parent(path, name);
    Fd target{::openat(parent, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)};
    if (target.fd < 0 || ::fchmod(target.fd, mode & 07777) != 0) {
        throw SystemError{errno, root_ / path, "cannot set the mode of {}/{}", root_.string(), path};
    }
}

int SafeRoot::create_file(const std::string& path, unsigned mode) {
    std::string name;
    int parent = cached_parent(path, name);
    int fd = ::openat(parent, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) throw SystemError{errno, root_ / path, "cannot create {}/{}", root_.string(), path};
    // The exact mode, whatever the umask; no call when the umask left it so.
    if ((mode & 07777) != (0600 & ~umask_) && ::fchmod(fd, mode & 07777) != 0) {
        int err = errno;
        ::close(fd);
        throw SystemError(err, root_ / path, "cannot set the mode of {}/{}", root_.string(), path);
    }
    return fd;
}

void SafeRoot::make_symlink(const std::string& target, const std::string& path) {
    std::string name;
    int parent = cached_parent(path, name);
    if (::symlinkat(target.c_str(), parent, name.c_str()) != 0) {
        throw SystemError{errno, root_ / path, "cannot create symlink {}/{}", root_.string(), path};
    }
}

void SafeRoot::make_hardlink(const std::string& existing, const std::string& path) {
    std::string existing_name, name;
    Fd from{open_parent(existing, existing_name)};
    Fd to{open_parent(path, name)};
    // No AT_SYMLINK_FOLLOW: a symlink named `existing` is linked itself, never its target.
    if (::linkat(from.fd, existing_name.c_str(), to.fd, name.c_str(), 0) != 0) {
        throw SystemError{errno, root_ / path, "cannot link {}/{} to {}", root_.string(), path, existing};
    }
}

Door::~Door() = default;

void Door::database_commit(const std::string&) {}

void SafeRoot::write_all(int fd, const void* data, std::size_t size, const std::string& path) {
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
        ssize_t n = ::write(fd, p, size);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw SystemError{errno, root_ / path, "cannot write {}/{}", root_.string(), path};
        p += n;
        size -= static_cast<std::size_t>(n);
    }
}

void SafeRoot::rename(const std::string& from, const std::string& to, RenameMode mode) {
    forget_parent();  // a directory may move
    std::string from_name, to_name;
    Fd from_parent{open_parent(from, from_name)};
    // Names in one directory (a staged name beside its path, the usual
    // case) share the descriptor of it.
    auto dir_of = [](const std::string& path) {
        std::size_t slash = path.rfind('/');
        return slash == std::string::npos ? std::string() : path.substr(0, slash);
    };
    Fd to_parent{-1};
    int to_fd = from_parent.fd;
    if (dir_of(from) != dir_of(to)) {
        to_parent.fd = open_parent(to, to_name);
        to_fd = to_parent.fd;
    } else {
        to_name = to.substr(to.rfind('/') == std::string::npos ? 0 : to.rfind('/') + 1);
        if (to_name.empty() || to_name == "." || to_name == "..") throw Error("{}: not a name below the root", to);
    }
    unsigned flags = mode == RenameMode::noreplace ? RENAME_NOREPLACE : mode == RenameMode::exchange ? RENAME_EXCHANGE : 0;
    if (::renameat2(from_parent.fd, from_name.c_str(), to_fd, to_name.c_str(), flags) != 0) {
        throw SystemError{errno, root_ / to, "cannot rename {}/{} to {}", root_.string(), from, to};
    }
}

void SafeRoot::unlink(const std::string& path) {
    std::string name;
    int parent = cached_parent(path, name);
    if (::unlinkat(parent, name.c_str(), 0) != 0) {
        throw SystemError{errno, root_ / path, "cannot remove {}/{}", root_.string(), path};
    }
}

void SafeRoot::remove_directory(const std::string& path) {
    forget_parent();  // it may be the one kept
    std::string name;
    Fd parent{open_parent(path, name)};
    if (::unlinkat(parent.fd, name.c_str(), AT_REMOVEDIR) != 0) {
        throw SystemError{errno, root_ / path, "cannot remove directory {}/{}", root_.string(), path};
    }
}

void SafeRoot::set_owner(const std::string& path, uid_t uid, gid_t gid) {
    std::string name;
    Fd parent{open_parent(path, name)};
    // O_PATH | O_NOFOLLOW: a descriptor of the name itself, a symlink's own.
    Fd target{::openat(parent.fd, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC)};
    if (target.fd < 0 || ::fchownat(target.fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
        throw SystemError{errno, root_ / path, "cannot set the owner of {}/{}", root_.string(), path};
    }
}

void SafeRoot::sync_file(int fd, const std::string& path) {
    if (::fsync(fd) != 0) throw SystemError{errno, root_ / path, "cannot sync {}/{}", root_.string(), path};
}

void SafeRoot::sync_filesystem(int fd, const std::string& what) {
    if (::syncfs(fd) != 0) throw SystemError{errno, std::filesystem::path(what), "cannot sync the filesystem of {}", what};
}

int SafeRoot::open_file(const std::string& path) {
    std::string name;
    Fd parent{open_parent(path, name)};
    int fd = ::openat(parent.fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) throw SystemError{errno, root_ / path, "cannot open {}/{}", root_.string(), path};
    Fd guard{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw SystemError{errno, root_ / path, "cannot stat {}/{}", root_.string(), path};
    if (!S_ISREG(st.st_mode)) {
        Error e("refusing {}/{}: it is {}, not a regular file", root_.string(), path, file_type_name(st.st_mode));
        e.set_path((root_ / path).string());
        throw e;
    }
    int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
        throw SystemError{errno, root_ / path, "cannot read {}/{}", root_.string(), path};
    }
    guard.fd = -1;
    return fd;
}

std::optional<EntryStat> SafeRoot::stat(const std::string& path) {
    std::string name;
    int parent = -1;
    try {
        parent = cached_parent(path, name);
    } catch (const SystemError& e) {
        // No parent directory: the name does not exist either. A symlink on
        // the way is still an error: it is never looked through.
        if (e.error_number() == ENOENT || e.error_number() == ENOTDIR) return std::nullopt;
        throw;
    }
    struct stat st {};
    if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) return std::nullopt;
        throw SystemError{errno, root_ / path, "cannot stat {}/{}", root_.string(), path};
    }
    EntryStat out;
    out.mode = st.st_mode;
    out.uid = st.st_uid;
    out.gid = st.st_gid;
    out.size = static_cast<std::uint64_t>(st.st_size);
    out.dev = st.st_dev;
    out.ino = st.st_ino;
    out.nlink = st.st_nlink;
    return out;
}

std::string SafeRoot::read_link(const std::string& path) {
    std::string name;
    Fd parent{open_parent(path, name)};
    std::string buffer(4096, '\0');
    ssize_t n = ::readlinkat(parent.fd, name.c_str(), buffer.data(), buffer.size());
    if (n < 0) throw SystemError{errno, root_ / path, "cannot read the symlink {}/{}", root_.string(), path};
    if (static_cast<std::size_t>(n) == buffer.size()) throw Error("{}/{}: symlink target too long", root_.string(), path);
    buffer.resize(static_cast<std::size_t>(n));
    return buffer;
}

}  // namespace pkg
