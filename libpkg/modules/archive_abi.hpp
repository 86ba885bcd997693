#pragma once

// The interface between libpkg and its `archive` module (libarchive): a thin
// tar+zstd reader and writer, and a reader of source archives (tar, however
// compressed, and zip). Every rule of pkg-package(5) and of unpacking
// (port(5), unpack) is checked by libpkg itself; the module only moves
// headers and bytes. The module links libpkg and throws pkg::Error.

#include <cstdint>
#include <memory>
#include <string>

namespace pkg::archive {

inline constexpr unsigned kAbi = 3;

struct Header {
    std::string name;
    char type = 'f';  ///< 'f' file, 'd' directory, 'l' symlink, 'h' hard link, 'o' anything else
    unsigned mode = 0;  ///< permission bits and setuid/setgid/sticky
    std::uint64_t size = 0;
    std::string link;   ///< a symlink's target or a hard link's first path
    std::int64_t uid = 0;
    std::int64_t gid = 0;
    std::int64_t mtime = 0;
    /// What the member carries that a package may not (reader only): "" or
    /// a description ("extended attributes", "a sparse map", ...).
    std::string forbidden;
};

class Writer {
public:
    virtual ~Writer() = default;
    /// Starts a member; a file's `size` bytes follow through write().
    virtual void add(const Header& header) = 0;
    /// Writes data of the current file member; never more than its size.
    virtual void write(const void* data, std::size_t size) = 0;
    /// Finishes the archive; nothing is complete before this returns.
    virtual void close() = 0;
};

class Reader {
public:
    virtual ~Reader() = default;
    /// The next member's header; false at the end of the archive.
    virtual bool next(Header& header) = 0;
    /// Reads the current member's data; 0 at its end.
    virtual std::size_t read(void* buffer, std::size_t size) = 0;
    /// Whether the archive is a pax/ustar tar compressed with zstd alone;
    /// checked after every header.
    virtual bool is_package_format(std::string& what) const = 0;
    /// The most bytes of uncompressed tar the reader will take in all, from
    /// now on: once the manifest is known, what it accounts for.
    virtual void set_budget(std::uint64_t bytes) = 0;
    /// Receives every uncompressed byte of the tar stream, in order, before
    /// the tar reader parses it (libpkg checks the stream's structure).
    virtual void set_tap(void (*tap)(void* context, const char* data, std::size_t size), void* context) = 0;
    /// After next() returned false: reads the rest of the stream through
    /// the tap and the budget, so that nothing after the end goes unseen.
    virtual void drain() = 0;
};

struct Module {
    unsigned abi;
    /// Writes to `fd` (the caller opened it O_EXCL, and syncs and closes it); `name` names it in errors.
    std::unique_ptr<Writer> (*open_writer)(int fd, const std::string& name);
    /// Reads from `fd`, which the caller opened and closes after the reader is gone.
    std::unique_ptr<Reader> (*open_fd)(int fd, const std::string& name);
    std::unique_ptr<Reader> (*open_memory)(const void* data, std::size_t size, const std::string& name);
    /// Reads a source archive from `fd` (a regular file the caller opened
    /// and closes after the reader is gone): tar (GNU, pax, ustar, v7)
    /// compressed with gzip, bzip2, xz, zstd or lzip, or not at all, or zip.
    /// Headers carry name, type, mode, size and link; nothing is refused for
    /// what it carries (`forbidden` stays empty). Without set_budget() the
    /// tar stream is unbounded; a zip has no tar stream, so it has no tap
    /// and its budget bounds the data read() gives (its structure is bounded
    /// by the file's size).
    std::unique_ptr<Reader> (*open_source)(int fd, const std::string& name);
};

}  // namespace pkg::archive

using pkg_archive_module_entry = const pkg::archive::Module* (*)();
