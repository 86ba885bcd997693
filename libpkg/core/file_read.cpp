#include "pkg/file_read.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "pkg/error.hpp"

namespace pkg {

namespace {

struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

const char* file_type_name(unsigned mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    if (S_ISLNK(mode)) return "a symbolic link";
    if (S_ISREG(mode)) return "a regular file";
    return "of an unknown type";
}

int open_regular_file(const std::filesystem::path& file, const char* what, bool follow) {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | (follow ? 0 : O_NOFOLLOW);
    int fd = ::open(file.c_str(), flags);
    if (fd < 0) {
        if (errno == ELOOP && !follow) {
            Error e("refusing {} {}: it is a symbolic link", what, file.string());
            e.set_path(file.string());
            throw e;
        }
        throw SystemError{errno, file, "cannot open {} {}", what, file.string()};
    }
    Fd guard{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw SystemError{errno, file, "cannot stat {} {}", what, file.string()};
    if (!S_ISREG(st.st_mode)) {
        Error e("refusing {} {}: it is {}, not a regular file", what, file.string(), file_type_name(st.st_mode));
        e.set_path(file.string());
        throw e;
    }
    int cleared = ::fcntl(fd, F_GETFL);
    if (cleared < 0 || ::fcntl(fd, F_SETFL, cleared & ~O_NONBLOCK) != 0) {
        throw SystemError{errno, file, "cannot read {} {}", what, file.string()};
    }
    guard.fd = -1;
    return fd;
}

std::string read_text_file(const std::filesystem::path& file, const char* what, std::size_t max_bytes) {
    Fd fd{open_regular_file(file, what)};
    struct stat st {};
    if (::fstat(fd.fd, &st) != 0) throw SystemError{errno, file, "cannot stat {} {}", what, file.string()};
    auto too_big = [&] {
        Error e("refusing {} {}: larger than {} bytes", what, file.string(), max_bytes);
        e.set_path(file.string());
        return e;
    };
    if (static_cast<std::size_t>(st.st_size) > max_bytes) throw too_big();
    std::string text;
    text.resize(static_cast<std::size_t>(st.st_size));
    std::size_t have = 0;
    for (;;) {
        // Read one byte past the limit: a file that grows while read is caught.
        if (have == text.size()) {
            if (text.size() > max_bytes) throw too_big();
            text.resize(std::min(max_bytes + 1, text.size() * 2 + 4096));
        }
        ssize_t n = ::read(fd.fd, text.data() + have, text.size() - have);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw SystemError{errno, file, "cannot read {} {}", what, file.string()};
        }
        if (n == 0) break;
        have += static_cast<std::size_t>(n);
    }
    if (have > max_bytes) throw too_big();
    text.resize(have);
    return text;
}

}  // namespace pkg
