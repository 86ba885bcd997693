#include "pkg/transaction/lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>

#include "pkg/db/database.hpp"
#include "pkg/error.hpp"
#include "pkg/root/door.hpp"

namespace pkg {
namespace {

constexpr const char* kLockName = "lock";

// The pid the holder wrote, for the message; 0 when unknown.
long holder_pid(int fd) {
    char buffer[32] = {};
    ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
    if (n <= 0) return 0;
    return std::strtol(buffer, nullptr, 10);
}

}  // namespace

RootLock::RootLock(Door& door, EventSink& events, bool wait) {
    std::string dir = db::kStateDir;
    std::string path = dir + "/" + kLockName;
    std::string shown = (door.root() / path).string();
    ::close(door.open_directory(dir, true, 0755));
    if (!door.stat(path)) {
        try {
            ::close(door.create_file(path.c_str(), 0600));
        } catch (const SystemError& e) {
            if (e.error_number() != EEXIST) throw;  // another pkg made it first
        }
    }
    int dir_fd = door.open_directory(dir);
    fd_ = ::openat(dir_fd, kLockName, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    int err = errno;
    ::close(dir_fd);
    if (fd_ < 0) throw SystemError{err, std::filesystem::path(shown), "cannot open the lock {}", shown};
    struct stat st {};
    if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd_);
        fd_ = -1;
        Error e("refusing the lock {}: it is not a regular file", shown);
        e.set_path(shown);
        throw e;
    }
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK) {
            int e = errno;
            ::close(fd_);
            throw SystemError{e, std::filesystem::path(shown), "cannot take the lock {}", shown};
        }
        long pid = holder_pid(fd_);
        std::string who = pid > 0 ? fmt::format("pid {}", pid) : std::string("another process");
        if (!wait) {
            ::close(fd_);
            LockBusy busy("{} is held by {}", shown, who);
            busy.set_path(shown);
            throw with_hint(std::move(busy), "wait for it to finish, or drop --no-wait");
        }
        events.message({Level::warning, fmt::format("waiting for {} (held by {})", shown, who)});
        while (::flock(fd_, LOCK_EX) != 0) {
            if (errno == EINTR) continue;
            int e = errno;
            ::close(fd_);
            throw SystemError{e, std::filesystem::path(shown), "cannot take the lock {}", shown};
        }
    }
    // Ours now: say who holds it, for the next one that has to wait.
    std::string text = fmt::format("{:>19}\n", static_cast<long>(::getpid()));
    if (::pwrite(fd_, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
        int e = errno;
        ::close(fd_);
        throw SystemError{e, std::filesystem::path(shown), "cannot write the lock {}", shown};
    }
}

RootLock::~RootLock() {
    if (fd_ >= 0) ::close(fd_);  // closing drops the flock
}

}  // namespace pkg
