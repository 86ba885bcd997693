#include "pkg/root/safe_root.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pkg/error.hpp"

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

SafeRoot::SafeRoot(const std::filesystem::path& root) : root_(root) {
    root_fd_ = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root_fd_ < 0) throw SystemError{errno, root, "cannot open root {}", root.string()};
}

SafeRoot::~SafeRoot() {
    if (root_fd_ >= 0) ::close(root_fd_);
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
    int fd = openat2_beneath(root_fd_, path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
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
    Fd parent{open_parent(path, name)};
    Fd target{::openat(parent.fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)};
    if (target.fd < 0 || ::fchmod(target.fd, mode & 07777) != 0) {
        throw SystemError{errno, root_ / path, "cannot set the mode of {}/{}", root_.string(), path};
    }
}

int SafeRoot::create_file(const std::string& path, unsigned mode) {
    std::string name;
    Fd parent{open_parent(path, name)};
    int fd = ::openat(parent.fd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) throw SystemError{errno, root_ / path, "cannot create {}/{}", root_.string(), path};
    if (::fchmod(fd, mode & 07777) != 0) {
        int err = errno;
        ::close(fd);
        throw SystemError(err, root_ / path, "cannot set the mode of {}/{}", root_.string(), path);
    }
    return fd;
}

void SafeRoot::make_symlink(const std::string& target, const std::string& path) {
    std::string name;
    Fd parent{open_parent(path, name)};
    if (::symlinkat(target.c_str(), parent.fd, name.c_str()) != 0) {
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

}  // namespace pkg
