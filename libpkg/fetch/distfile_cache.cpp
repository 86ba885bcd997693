#include "pkg/fetch/distfile_cache.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "pkg/error.hpp"
#include "pkg/file_read.hpp"

namespace pkg {
namespace fs = std::filesystem;

namespace {

struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

void make_directory(const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw SystemError{ec.value(), dir, "cannot create the distfile cache {}", dir.string()};
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) throw SystemError{errno, dir, "cannot look at {}", dir.string()};
    if (!S_ISDIR(st.st_mode)) {
        throw Error("the distfile cache {} is {}, not a directory", dir.string(), file_type_name(st.st_mode));
    }
}

}  // namespace

void check_distfile_name(const std::string& file) {
    if (file.empty() || file.front() == '.' || file.find('/') != std::string::npos ||
        file.find('\0') != std::string::npos || file.ends_with(".part") || file.size() > 255) {
        throw VerificationError("'{}' cannot be a distfile's name", file);
    }
}

DistfileLock::~DistfileLock() {
    if (fd_ >= 0) ::close(fd_);  // closing drops the flock
}

DistfileCache::DistfileCache(fs::path dir) : dir_(std::move(dir)) {
    make_directory(dir_);
    make_directory(dir_ / ".locks");
}

std::optional<DistfileLock> DistfileCache::try_lock(const std::string& file) const {
    check_distfile_name(file);
    fs::path name = dir_ / ".locks" / file;
    int fd = ::open(name.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
    if (fd < 0) throw SystemError{errno, name, "cannot open the lock {}", name.string()};
    DistfileLock lock(fd);
    while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EINTR) continue;
        if (errno == EWOULDBLOCK) return std::nullopt;
        throw SystemError{errno, name, "cannot lock {}", name.string()};
    }
    return lock;
}

DistfileLock DistfileCache::lock(const std::string& file) const {
    check_distfile_name(file);
    fs::path name = dir_ / ".locks" / file;
    int fd = ::open(name.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
    if (fd < 0) throw SystemError{errno, name, "cannot open the lock {}", name.string()};
    DistfileLock lock(fd);
    while (::flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) throw SystemError{errno, name, "cannot lock {}", name.string()};
    }
    return lock;
}

bool DistfileCache::verify(const std::string& file, DigestAlgorithm algorithm, const std::string& digest,
                           std::optional<std::uint64_t> size, std::string& why) const {
    why.clear();
    fs::path name = path(file);
    struct stat st {};
    if (::lstat(name.c_str(), &st) != 0) {
        if (errno == ENOENT) return false;
        throw SystemError{errno, name, "cannot look at {}", name.string()};
    }
    auto remove = [&](std::string reason) {
        why = std::move(reason);
        if (::unlink(name.c_str()) != 0 && errno != ENOENT) {
            throw SystemError{errno, name, "cannot remove {} ({})", name.string(), why};
        }
        return false;
    };
    // Only a regular file is a distfile: a FIFO must not block us, a
    // symlink must not lead elsewhere.
    if (!S_ISREG(st.st_mode)) return remove(fmt::format("it is {}", file_type_name(st.st_mode)));
    if (size && static_cast<std::uint64_t>(st.st_size) != *size) {
        return remove(fmt::format("it has {} bytes, not {}", st.st_size, *size));
    }
    std::string got = file_digest(name, algorithm);
    if (got != digest) return remove(fmt::format("expected {} {}, got {}", digest_name(algorithm), digest, got));
    return true;
}

void DistfileCache::publish(const std::string& file) const {
    fs::path from = part(file), to = path(file);
    Fd fd{::open(from.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)};
    if (fd.fd < 0 || ::fsync(fd.fd) != 0) throw SystemError{errno, from, "cannot sync {}", from.string()};
    if (::rename(from.c_str(), to.c_str()) != 0) {
        throw SystemError{errno, to, "cannot rename {} to {}", from.string(), to.string()};
    }
    Fd dir{::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (dir.fd < 0 || ::fsync(dir.fd) != 0) throw SystemError{errno, dir_, "cannot sync {}", dir_.string()};
}

}  // namespace pkg
