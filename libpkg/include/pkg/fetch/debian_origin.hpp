#pragma once

// Debian's archive as an origin of source tarballs: a source's alternative
// artifact named by Debian source package, version and file (never by a
// host) is obtained with `apt-get source --download-only`, through an apt
// state of pkg's own so that the host's apt configuration is never changed.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "pkg/digest.hpp"
#include "pkg/events.hpp"
#include "pkg/export.hpp"
#include "pkg/port/port.hpp"

namespace pkg {

struct DebianOriginSettings {
    std::filesystem::path state_dir;            // pkg's own apt state (created if missing)
    std::optional<std::filesystem::path> sources_file;  // a one-line sources.list to use instead of deriving one
    std::filesystem::path host_apt_dir = "/etc/apt";           // where the host's sources are read (tests: a fixture)
    std::filesystem::path host_lists_dir = "/var/lib/apt/lists"; // the host's downloaded indexes
    /// The PATH apt-get and apt-cache are looked up in, and the only PATH
    /// they see: fixed, so that the caller's environment changes nothing.
    std::string search_path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
};

/// The deb-src list derived from the host's Debian deb entries (one-line format text).
///
/// Reads `host_apt_dir`/sources.list and, in name order, sources.list.d's
/// *.list (one-line format) and *.sources (deb822; stanzas with
/// `Enabled: no` skipped). Each deb or deb-src entry of Debian's archive
/// gives one `deb-src` line per URI and suite, with its components and
/// its options about trust and validity (signed-by, trusted,
/// check-valid-until, ...); options that only select binary indexes (arch,
/// lang, target) are dropped. Lines repeated are written once.
///
/// Only Debian's archive is taken: a third-party repository usually has
/// no Sources index, and one missing index makes `apt-get update` fail.
/// No host name decides it. An entry is Debian's archive when the Release
/// file the host downloaded for it (`host_lists_dir`/..._InRelease or
/// ..._Release, named as apt names them) says `Origin: Debian` or
/// `Origin: Debian Backports`; when the host holds no Release file for it
/// (lists cleaned away), when its Signed-By names a keyring of Debian's
/// archive (a file named debian-archive-*, the debian-archive-keyring
/// package's, except its removed keys). An entry with neither is left out,
/// as is one whose Signed-By holds a key inline (the one-line format cannot
/// carry it): name a deb-src list in the configuration for those.
PKG_API std::string derive_debian_source_list(const std::filesystem::path& host_apt_dir,
                                              const std::filesystem::path& host_lists_dir);

/// Obtains files of Debian source packages with apt, through the apt state
/// under `settings.state_dir` (its own source list, lists and cache). The
/// index is updated once per process and state directory, on first use;
/// calls are serialised with other processes using the same state by a
/// lock file there. Errors are VerificationError (exit 7), naming the
/// source package, the version and what apt said.
class PKG_API DebianOrigin {
public:
    DebianOrigin(DebianOriginSettings settings, EventSink& events);
    /// Downloads `artifact.file` of `artifact.source`=`artifact.version` (or of a listed version carrying the same file and digest) into `scratch` (an existing empty directory) and returns its path.
    ///
    /// A listed version "carries the same file" when its file list has the
    /// name, the same size when `size` is given and, for a sha256 pin, the
    /// same sha256 (the index has no sha512; an empty `digest` pins
    /// nothing). The pinned version is preferred, then the newest such; the
    /// caller still verifies the file's digest.
    std::filesystem::path obtain(const DebianArtifact& artifact, DigestAlgorithm algorithm, const std::string& digest, std::optional<std::uint64_t> size, const std::filesystem::path& scratch);
    /// The versions of `source` the index lists, newest first, each with its files (name, size, sha256). For `pkg bump`.
    struct ListedFile { std::string name; std::uint64_t size = 0; std::string sha256; };
    struct ListedVersion { std::string version; std::vector<ListedFile> files; };
    std::vector<ListedVersion> versions(const std::string& source);

private:
    /// Creates the state, writes its source list, updates the index once.
    void prepare();
    std::vector<ListedVersion> list_versions(const std::string& source, std::string* apt_said);

    DebianOriginSettings settings_;
    EventSink& events_;
};

}  // namespace pkg
