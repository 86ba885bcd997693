#include "pkg/error.hpp"

#include <cstring>

namespace pkg {

const char* error_kind_name(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::general: return "error";
        case ErrorKind::usage: return "usage";
        case ErrorKind::problems: return "problems";
        case ErrorKind::lock_busy: return "lock-busy";
        case ErrorKind::declined: return "declined";
        case ErrorKind::dependency: return "dependency";
        case ErrorKind::verification: return "verification";
        case ErrorKind::privilege: return "privilege";
    }
    return "error";
}

Error::Error(ErrorKind kind, std::string message)
    : std::runtime_error(std::move(message)), kind_(kind) {}

std::string FileError::locate(const std::string& file, int line, int column) {
    if (line <= 0) return file + ": ";
    if (column <= 0) return fmt::format("{}:{}: ", file, line);
    return fmt::format("{}:{}:{}: ", file, line, column);
}

std::string SystemError::with_errno(int err, std::string message) {
    char buffer[256];
    // GNU strerror_r returns the string it chose, which may not be buffer.
    const char* text = strerror_r(err, buffer, sizeof buffer);
    return fmt::format("{}: {}", message, text);
}

}  // namespace pkg
