#include "download.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "pkg/error.hpp"

namespace pkg {

Download::Download(std::filesystem::path part, DigestAlgorithm algorithm, std::uint64_t cap, bool resume)
    : part_(std::move(part)), algorithm_(algorithm), cap_(cap) {
    // O_NOFOLLOW and a regular-file check: the part is ours, under the lock,
    // but the cache directory is a shared place.
    fd_ = ::open(part_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
    if (fd_ < 0) throw SystemError{errno, part_, "cannot open {}", part_.string()};
    struct stat st {};
    if (::fstat(fd_, &st) != 0) throw SystemError{errno, part_, "cannot look at {}", part_.string()};
    if (!S_ISREG(st.st_mode)) {
        ::close(fd_);
        fd_ = -1;
        throw Error("{} is not a regular file", part_.string());
    }
    hasher_ = std::make_unique<Hasher>(algorithm_);
    auto size = static_cast<std::uint64_t>(st.st_size);
    if (!resume || size == 0 || size > cap_) {
        restart();
        return;
    }
    std::vector<char> buffer(1 << 17);
    for (;;) {
        ssize_t n = ::read(fd_, buffer.data(), buffer.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            throw SystemError{errno, part_, "cannot read {}", part_.string()};
        }
        if (n == 0) break;
        hasher_->update(buffer.data(), static_cast<std::size_t>(n));
        bytes_ += static_cast<std::uint64_t>(n);
    }
    offset_ = bytes_;
}

Download::~Download() {
    if (fd_ >= 0) ::close(fd_);
}

void Download::restart() {
    if (::ftruncate(fd_, 0) != 0 || ::lseek(fd_, 0, SEEK_SET) != 0) {
        throw SystemError{errno, part_, "cannot empty {}", part_.string()};
    }
    hasher_ = std::make_unique<Hasher>(algorithm_);
    offset_ = 0;
    bytes_ = 0;
}

bool Download::stop(std::string reason, bool transient) {
    stop_reason_ = std::move(reason);
    stop_transient_ = transient;
    return false;
}

bool Download::begin(long status, std::int64_t range_start, std::int64_t length) {
    if (offset_ > 0 && range_start != static_cast<std::int64_t>(offset_)) {
        if (range_start >= 0) {
            return stop(fmt::format("asked for the bytes from {}, the server sent them from {}", offset_,
                                    range_start),
                        true);
        }
        // The server ignored the range (HTTP 200): the whole file follows.
        restart();
    }
    (void)status;
    if (length >= 0 && bytes_ + static_cast<std::uint64_t>(length) > cap_) {
        return stop(fmt::format("the server announces {} bytes, more than the {} expected",
                                bytes_ + static_cast<std::uint64_t>(length), cap_),
                    false);
    }
    if (own_) own_->set_done(bytes_);
    return true;
}

bool Download::data(const char* bytes, std::size_t size) {
    // Counted here, whatever Content-Length said: the cap holds for a server
    // that sends more than it announced, or announces nothing.
    if (bytes_ + size > cap_) return stop(fmt::format("more than the {} bytes expected", cap_), false);
    std::size_t done = 0;
    while (done < size) {
        ssize_t n = ::write(fd_, bytes + done, size - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return stop(fmt::format("cannot write {}: {}", part_.string(), std::strerror(errno)), false);
        }
        done += static_cast<std::size_t>(n);
    }
    hasher_->update(bytes, size);
    bytes_ += size;
    if (own_) own_->advance(size);
    if (overall_) overall_->advance(size);
    return true;
}

std::string Download::finish() { return hasher_->finish(); }

void Download::discard() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (::unlink(part_.c_str()) != 0 && errno != ENOENT) {
        throw SystemError{errno, part_, "cannot remove {}", part_.string()};
    }
}

}  // namespace pkg
