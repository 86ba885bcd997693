#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "pkg/printable.hpp"
#include "pkg/error.hpp"
#include "pkg/export.hpp"

namespace pkg {

/// pkg-package(5): the binary package format. Version 1.
inline constexpr int kPackageFormat = 1;
/// The manifest's member name; no package path may take it.
inline constexpr const char* kManifestName = "+MANIFEST";

/// Limits a reader enforces (pkg-package(5), THE ARCHIVE).
struct PackageLimits {
    std::uint64_t manifest_bytes = 64ull << 20;
    std::uint64_t entries = 200000;
    std::uint64_t file_bytes = 64ull << 30;
    std::uint64_t total_bytes = 256ull << 30;
    std::size_t path_bytes = 4095;
    std::size_t component_bytes = 255;
};

enum class EntryType { file, dir, symlink, hardlink };

PKG_API const char* entry_type_name(EntryType type);

/// One member of a package, as its manifest describes it.
struct PackageEntry {
    std::string path;    ///< relative, without "./"
    EntryType type = EntryType::file;
    unsigned mode = 0;   ///< permission bits, with setuid/setgid/sticky where declared
    std::uint64_t size = 0;
    std::string sha256;  ///< files only
    std::string target;  ///< a symlink's target, or a hard link's first path
    bool config = false;
};

/// The manifest: the first member of every package.
struct PKG_API PackageManifest {
    int format = kPackageFormat;
    std::string name;
    std::string version;  ///< [epoch:]version
    std::string release = "1";
    std::string arch;
    /// The system it was built for (x86_64-linux-musl); "any" fits every
    /// root, and is what a manifest without the key means.
    std::string target = "any";
    std::vector<std::string> depends;
    std::vector<std::string> provides;
    std::vector<std::string> conflicts;
    std::string port_hash;
    std::int64_t source_date_epoch = 0;
    std::vector<PackageEntry> entries;
    /// The sha256 of the manifest's bytes, when it was read from a package
    /// (not part of the manifest): a second read of the same bytes reuses
    /// this parse instead of repeating it.
    std::string manifest_sha256;

    /// NAME-VERSION-RELEASE-ARCH.pkg.tar.zst, an epoch spelled "E,VERSION".
    std::string file_name() const;
    /// Canonical JSON: keys in the order of pkg-package(5), no spaces.
    std::string to_json() const;
    /// Parses and checks a manifest; throws PackageError naming `package`.
    static PackageManifest from_json(const std::string& package, std::string_view text,
                                     const PackageLimits& limits = {});
};

/// A package broke a rule of pkg-package(5): names the package file, the
/// member (when there is one) and the rule.
class PKG_API PackageError : public Error {
public:
    PackageError(ErrorKind kind, const std::string& package, const std::string& member, const std::string& rule);
    const std::string& member() const noexcept { return where().member; }
    /// The rule alone, without the package and member.
    const std::string& detail() const noexcept { return detail_; }

private:
    std::string detail_;
};

/// Checks a member name: relative, no "./", no "." or ".." or empty
/// component, no control characters, length limits, not the manifest's name.
PKG_API std::optional<std::string> check_member_name(std::string_view name, const PackageLimits& limits = {});

/// Checks text a package holds (names, link targets): UTF-8, no control characters.
PKG_API std::optional<std::string> check_text(std::string_view text, std::string_view what);

/// The architecture this pkg runs on, as a package names it (x86_64, aarch64).
PKG_API std::string host_arch();
/// Whether `target` is spelled as a triplet (ARCH-...: letters, digits,
/// '_' and '.', parts joined by single '-') or is "any".
PKG_API bool valid_target(std::string_view target);

/// Whether `arch` is one pkg-package(5) knows.
PKG_API bool known_arch(std::string_view arch);

}  // namespace pkg
