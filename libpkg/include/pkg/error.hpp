#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <utility>

#include "pkg/export.hpp"

namespace pkg {

/// What kind of failure an error is. The frontend maps each kind to one exit
/// code (pkg(8), EXIT STATUS); libpkg never exits.
enum class ErrorKind {
    general,       ///< anything else
    usage,         ///< the command line or an argument is malformed
    problems,      ///< a check ran and found problems (lint, check)
    lock_busy,     ///< the root's lock is held and waiting was refused
    declined,      ///< a question was answered no
    dependency,    ///< an unmet dependency or a conflict
    verification,  ///< a fetch failed or a digest or size did not match
    privilege,     ///< the operation needs privileges the caller lacks
};

/// The stable name of a kind, as used in `--json` error objects.
PKG_API const char* error_kind_name(ErrorKind kind);

/// Base of every error libpkg throws: a message formatted with fmt, the kind
/// that decides the exit code, and an optional hint saying what to do.
class PKG_API Error : public std::runtime_error {
public:
    template <typename... Args>
    explicit Error(fmt::format_string<Args...> format, Args&&... args)
        : Error(ErrorKind::general, fmt::format(format, std::forward<Args>(args)...)) {}

    Error(ErrorKind kind, std::string message);

    ErrorKind kind() const noexcept { return kind_; }
    const std::string& hint() const noexcept { return hint_; }

    /// Attaches a hint ("run pkg recover as root") and returns *this for chaining.
    Error& with_hint(std::string hint) {
        hint_ = std::move(hint);
        return *this;
    }

private:
    ErrorKind kind_;
    std::string hint_;
};

/// Declares an error class of a fixed kind whose constructor takes a fmt format.
#define PKG_DEFINE_ERROR(Name, Kind)                                                    \
    class PKG_API Name : public ::pkg::Error {                                          \
    public:                                                                             \
        template <typename... Args>                                                     \
        explicit Name(fmt::format_string<Args...> format, Args&&... args)               \
            : ::pkg::Error(Kind, fmt::format(format, std::forward<Args>(args)...)) {}   \
        /* Returns the derived type, so that `throw E(...).with_hint(...)` stays an E. */ \
        Name& with_hint(std::string hint) {                                             \
            ::pkg::Error::with_hint(std::move(hint));                                   \
            return *this;                                                               \
        }                                                                               \
    }

PKG_DEFINE_ERROR(UsageError, ErrorKind::usage);
PKG_DEFINE_ERROR(ProblemsFound, ErrorKind::problems);
PKG_DEFINE_ERROR(LockBusy, ErrorKind::lock_busy);
PKG_DEFINE_ERROR(Declined, ErrorKind::declined);
PKG_DEFINE_ERROR(DependencyError, ErrorKind::dependency);
PKG_DEFINE_ERROR(VerificationError, ErrorKind::verification);
PKG_DEFINE_ERROR(PrivilegeError, ErrorKind::privilege);

/// An error in a file the user wrote (a port, pkg.conf): names FILE:LINE[:COLUMN].
class PKG_API FileError : public Error {
public:
    template <typename... Args>
    FileError(std::string file, int line, int column, fmt::format_string<Args...> format,
              Args&&... args)
        : FileError(std::move(file), line, column, fmt::format(format, std::forward<Args>(args)...)) {}

    FileError(std::string file, int line, int column, std::string message)
        : Error(ErrorKind::general, locate(file, line, column) + message),
          file_(std::move(file)),
          line_(line),
          column_(column),
          detail_(std::move(message)) {}

    const std::string& file() const noexcept { return file_; }
    int line() const noexcept { return line_; }
    int column() const noexcept { return column_; }
    /// The message without the location.
    const std::string& detail() const noexcept { return detail_; }
    FileError& with_hint(std::string hint) {
        Error::with_hint(std::move(hint));
        return *this;
    }

private:
    static std::string locate(const std::string& file, int line, int column);
    std::string file_;
    int line_;
    int column_;
    std::string detail_;
};

/// A failed system call: the message, then the path it acted on and strerror(errno).
class PKG_API SystemError : public Error {
public:
    template <typename... Args>
    SystemError(int err, fmt::format_string<Args...> format, Args&&... args)
        : Error(ErrorKind::general, with_errno(err, fmt::format(format, std::forward<Args>(args)...))),
          errno_(err) {}

    int error_number() const noexcept { return errno_; }
    SystemError& with_hint(std::string hint) {
        Error::with_hint(std::move(hint));
        return *this;
    }

private:
    static std::string with_errno(int err, std::string message);
    int errno_;
};

}  // namespace pkg
