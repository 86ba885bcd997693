#pragma once

#include <fmt/format.h>

#include <concepts>
#include <filesystem>
#include <type_traits>

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

/// Where an error happened, as far as it knows: each field empty (or 0) when
/// it does not apply. `--json` error objects carry them as keys (pkg(8)).
struct ErrorWhere {
    std::string file;  ///< a file the user wrote (a port, pkg.conf)
    int line = 0;
    int column = 0;
    std::string path;    ///< the file or directory a system call or package acted on
    std::string member;  ///< a member of a package
    std::string url;     ///< a URL being fetched
};

/// Base of every error libpkg throws: a message formatted with fmt, the kind
/// that decides the exit code, where it happened, and an optional hint saying
/// what to do. No member returns `Error&`, so no chain can slice a subclass to
/// a plain Error: attach a hint with the free `with_hint`, which keeps the type.
class PKG_API Error : public std::runtime_error {
public:
    template <typename... Args>
    explicit Error(fmt::format_string<Args...> format, Args&&... args)
        : Error(ErrorKind::general, fmt::format(format, std::forward<Args>(args)...)) {}

    Error(ErrorKind kind, std::string message);

    ErrorKind kind() const noexcept { return kind_; }
    const std::string& hint() const noexcept { return hint_; }
    const ErrorWhere& where() const noexcept { return where_; }

    void set_hint(std::string hint) { hint_ = std::move(hint); }
    void set_path(std::string path) { where_.path = std::move(path); }
    void set_url(std::string url) { where_.url = std::move(url); }

protected:
    ErrorWhere& where_mutable() noexcept { return where_; }
    void set_kind(ErrorKind kind) noexcept { kind_ = kind; }

private:
    ErrorKind kind_;
    std::string hint_;
    ErrorWhere where_;
};

/// Attaches a hint ("run pkg recover as root") and returns the error as the
/// type it was made with, so that `throw with_hint(E(...), "...")` stays an E.
template <typename E>
    requires std::derived_from<std::remove_cvref_t<E>, Error>
std::remove_cvref_t<E> with_hint(E&& error, std::string hint) {
    error.set_hint(std::move(hint));
    return std::forward<E>(error);
}

/// Declares an error class of a fixed kind whose constructor takes a fmt format.
#define PKG_DEFINE_ERROR(Name, Kind)                                                  \
    class PKG_API Name : public ::pkg::Error {                                        \
    public:                                                                           \
        template <typename... Args>                                                   \
        explicit Name(fmt::format_string<Args...> format, Args&&... args)             \
            : ::pkg::Error(Kind, fmt::format(format, std::forward<Args>(args)...)) {} \
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

    FileError(std::string file, int line, int column, std::string message);

    const std::string& file() const noexcept { return where().file; }
    int line() const noexcept { return where().line; }
    int column() const noexcept { return where().column; }
    /// The message without the location.
    const std::string& detail() const noexcept { return detail_; }

private:
    static std::string locate(const std::string& file, int line, int column);
    std::string detail_;
};

/// A failed system call: the message, then strerror(errno). Its kind follows
/// errno: EACCES and EPERM are `privilege` (exit 8), everything else `general`.
/// Give the path it acted on with the constructor taking one. Pass errno
/// in braces, `SystemError{errno, path, "...", path.string()}`: a braced
/// list is evaluated left to right, so errno is read before the other
/// arguments allocate (and, in parentheses, might be evaluated first).
class PKG_API SystemError : public Error {
public:
    template <typename... Args>
    SystemError(int err, fmt::format_string<Args...> format, Args&&... args)
        : SystemError(Made{}, err, std::string(), fmt::format(format, std::forward<Args>(args)...)) {}

    /// `path` is what the call acted on; the message should name it too.
    template <typename... Args>
    SystemError(int err, const std::filesystem::path& path, fmt::format_string<Args...> format, Args&&... args)
        : SystemError(Made{}, err, path.string(), fmt::format(format, std::forward<Args>(args)...)) {}

    int error_number() const noexcept { return errno_; }

private:
    struct Made {};
    SystemError(Made, int err, std::string path, std::string message);
    int errno_;
};

/// The kind a failed system call maps to (see SystemError).
PKG_API ErrorKind errno_kind(int err) noexcept;

}  // namespace pkg
