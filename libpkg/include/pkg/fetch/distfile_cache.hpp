#pragma once

// The distfile cache (pkg.conf's cache-dir), shared by concurrent pkg
// processes. Each distfile has its own lock (CACHE/.locks/FILE, flock): only
// its holder downloads, verifies or removes that file. A download goes to
// FILE.part, which only the lock's holder touches, and becomes FILE by a
// rename after its digest matched: a file under its final name is always
// whole and verified.

#include <filesystem>
#include <optional>
#include <string>

#include "pkg/digest.hpp"
#include "pkg/export.hpp"

namespace pkg {

class PKG_API DistfileLock {
public:
    explicit DistfileLock(int fd) : fd_(fd) {}
    ~DistfileLock();
    DistfileLock(DistfileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    DistfileLock& operator=(DistfileLock&&) = delete;
    DistfileLock(const DistfileLock&) = delete;

private:
    int fd_;
};

class PKG_API DistfileCache {
public:
    /// Creates the directory (and its .locks) when missing.
    explicit DistfileCache(std::filesystem::path dir);

    const std::filesystem::path& dir() const { return dir_; }
    std::filesystem::path path(const std::string& file) const { return dir_ / file; }
    std::filesystem::path part(const std::string& file) const { return dir_ / (file + ".part"); }

    /// The lock of `file`, or nullopt when another process holds it.
    std::optional<DistfileLock> try_lock(const std::string& file) const;
    /// The lock of `file`, waiting for its holder.
    DistfileLock lock(const std::string& file) const;

    /// Under the lock: whether `file` is cached whole and matches `digest`
    /// (and `size`, when given). A cached file that fails is removed and
    /// `why` says what was wrong; a missing one leaves `why` empty.
    bool verify(const std::string& file, DigestAlgorithm algorithm, const std::string& digest,
                std::optional<std::uint64_t> size, std::string& why) const;

    /// Under the lock: makes FILE.part durable and renames it to FILE.
    void publish(const std::string& file) const;

private:
    std::filesystem::path dir_;
};

/// Refuses a distfile name that could leave the cache or collide with its
/// own names: empty, ".", "..", a '/', a leading '.', a NUL, or a name
/// ending in ".part".
PKG_API void check_distfile_name(const std::string& file);

}  // namespace pkg
