#pragma once

// Builds tar archives member by member with libarchive, hostile ones
// included, so that tests make their package corpus themselves.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pkg/package/package.hpp"

namespace pkgtest {

struct TarMember {
    std::string name;
    char type = 'f';  ///< f file, d dir, l symlink, h hardlink, c char dev, b block dev, p fifo, s socket
    unsigned mode = 0644;
    std::string data;
    std::string link;
    std::int64_t uid = 0;
    std::int64_t gid = 0;
    std::int64_t mtime = 0;
    std::optional<std::uint64_t> header_size;  ///< a size other than data's, for lies
    std::string xattr_value;                   ///< when set, an extended attribute "user.x"
    std::string uname;                         ///< an owner name
    bool atime = false;                        ///< an access time
    bool sparse = false;                       ///< a sparse map (a hole before the data)
};

enum class Compression { zstd, gzip, none };

/// The archive's bytes.
std::string build_tar(const std::vector<TarMember>& members, Compression compression = Compression::zstd);

/// A package as the test will build it: the manifest and the members after
/// it, kept consistent by `sync()` unless a case breaks them on purpose.
struct TestPackage {
    pkg::PackageManifest manifest;
    std::vector<TarMember> members;
    bool manifest_first = true;
    std::optional<std::string> manifest_text;  ///< replaces the manifest's JSON
    Compression compression = Compression::zstd;

    /// A small valid package: dirs, files, an empty file, a symlink, a hard link.
    static TestPackage valid();
    /// Rewrites the manifest's entries from the members (digests included).
    void sync();
    std::string bytes() const;
};

std::string sha256(const std::string& data);

/// An uncompressed tar cut into its records: each a 512-byte header and its
/// padded data; the end marker and what follows it are the last record, a
/// header-less tail. For crafting what libarchive would not write.
struct TarRecord {
    std::string header;  ///< empty for the tail
    std::string data;
    char type() const { return header.empty() ? '\0' : header[156]; }
};
std::vector<TarRecord> split_tar(const std::string& raw);
std::string join_tar(const std::vector<TarRecord>& records);
/// Sets a header's data size (octal) and recomputes its checksum.
void set_tar_size(std::string& header, std::uint64_t size);
void fix_tar_checksum(std::string& header);
/// Compresses bytes as one zstd stream (libarchive's raw writer).
std::string zstd_compress(const std::string& raw);

}  // namespace pkgtest
