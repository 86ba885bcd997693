#include "pkg/error.hpp"

#include <cerrno>
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

FileError::FileError(std::string file, int line, int column, std::string message)
    : Error(ErrorKind::general, locate(file, line, column) + message), detail_(std::move(message)) {
    where_mutable().file = std::move(file);
    where_mutable().line = line;
    where_mutable().column = column;
}

std::string FileError::locate(const std::string& file, int line, int column) {
    if (line <= 0) return file + ": ";
    if (column <= 0) return fmt::format("{}:{}: ", file, line);
    return fmt::format("{}:{}:{}: ", file, line, column);
}

ErrorKind errno_kind(int err) noexcept {
    return err == EACCES || err == EPERM ? ErrorKind::privilege : ErrorKind::general;
}

namespace {

std::string with_errno(int err, std::string message) {
    char buffer[256];
    // GNU strerror_r returns the string it chose, which may not be buffer.
    const char* text = strerror_r(err, buffer, sizeof buffer);
    return fmt::format("{}: {}", message, text);
}

}  // namespace

SystemError::SystemError(Made, int err, std::string path, std::string message)
    : Error(errno_kind(err), with_errno(err, std::move(message))), errno_(err) {
    set_path(std::move(path));
}

}  // namespace pkg
