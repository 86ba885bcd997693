#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pkg/export.hpp"

namespace pkg {

enum class ColorMode { automatic, always, never };

/// How downloads behave (pkg.conf(5), FETCHING). Times in seconds.
struct FetchConfig {
    unsigned connect_timeout = 10;
    unsigned low_speed_time = 15;           ///< slower than low_speed_limit for this long: a timeout
    std::uint64_t low_speed_limit = 1000;   ///< bytes per second
    unsigned retries = 2;                   ///< further attempts of a URL after a transient failure
    unsigned backoff = 1;                   ///< the pause before the first retry, doubled each time
    unsigned deadline = 120;                ///< no new attempt of a source begins after this
    std::uint64_t max_size = 4ull << 30;    ///< the cap of a source that declares no size
};

/// The settings of pkg.conf(5), after every layer has been applied. Every
/// path is absolute and, except `root`, a host path: it is not under root.
struct Config {
    std::filesystem::path root = "/";
    std::vector<std::filesystem::path> ports;  ///< overlays: the first that has a port wins
    std::filesystem::path cache_dir;           ///< downloaded sources
    std::filesystem::path packages_dir;        ///< built packages
    std::filesystem::path build_dir;           ///< scratch space for builds
    std::filesystem::path profiles_dir;        ///< bootstrap profiles (NAME.json)
    unsigned jobs = 1;          ///< in effect: one per CPU when the setting is 0
    unsigned jobs_setting = 0;  ///< as configured, 0 to 4096
    std::vector<std::string> assume_installed;  ///< provided by the host, outside pkg
    std::map<std::string, std::string> providers;  ///< virtual name -> chosen port
    ColorMode color = ColorMode::automatic;
    /// `sync = fdatasync`: transactions sync each file and directory they
    /// touch rather than whole filesystems (a fallback for filesystems busy
    /// with other writers, which syncfs flushes too).
    bool sync_fdatasync = false;
    /// Base URLs tried before a port's own, each serving a distfile at MIRROR/FILE.
    std::vector<std::string> mirrors;
    FetchConfig fetch;
    /// A sources.list (one-line format) for pkg's own apt state; unset: derived
    /// from the host's Debian entries.
    std::optional<std::filesystem::path> debian_sources;
    /// The triplet packages are built for (x86_64-linux-musl); unset in
    /// pkg.conf: the build machine's own (build_triplet()).
    std::string target;
    /// Compiler and linker flags every build gets (never the caller's
    /// environment's CFLAGS: builds stay reproducible).
    std::vector<std::string> cflags, cxxflags, ldflags;
    /// A build phase running longer is killed (0: no limit).
    unsigned build_timeout = 0;
    /// Sizes as written ("4G"), for `pkg config`.
    std::map<std::string, std::string> fetch_setting;

    /// Where each key's value came from: "default", "FILE:LINE",
    /// "environment (PKGMGR_X)" or "command line".
    std::map<std::string, std::string> origin;
    /// The configuration file that was read, if any.
    std::optional<std::filesystem::path> file;
};

/// The prefix of every environment variable pkg reads (never PKG_CONFIG*,
/// which belongs to pkg-config).
inline constexpr const char* kEnvPrefix = "PKGMGR_";

/// What the configuration is built from, in increasing precedence:
/// built-in defaults, the file, the environment, the command line.
struct ConfigSources {
    /// `--config FILE`; when empty, PKGMGR_CONFIG, else `default_file`
    /// (which may be missing: then only defaults apply).
    std::optional<std::filesystem::path> config_file;
    std::filesystem::path default_file;
    /// The process environment (only PKGMGR_* entries are read).
    std::map<std::string, std::string> environment;
    /// Values from the command line by key ("root", "ports", ...); a list
    /// key takes several values, in order.
    std::map<std::string, std::vector<std::string>> command_line;
    /// Relative paths on the command line and in the environment are taken
    /// from here; those in the file from the file's directory.
    std::filesystem::path working_directory;
};

/// Builds the configuration. Throws FileError naming FILE:LINE for a bad
/// file, UsageError for a bad environment or command-line value.
PKG_API Config load_config(const ConfigSources& sources);

/// Whether `text` is spelled as a target triplet: ARCH-SYSTEM or
/// ARCH-VENDOR-SYSTEM[-ABI], letters, digits, '_' and '.', parts joined by
/// single '-'.
PKG_API bool valid_triplet(std::string_view text);

/// The triplet of the machine pkg runs on, as its compiler names it
/// (x86_64-linux-gnu on Debian).
PKG_API std::string build_triplet();

/// The process environment's PKGMGR_* variables.
PKG_API std::map<std::string, std::string> current_environment();

/// The keys pkg.conf knows, in the order pkg.conf(5) lists them.
PKG_API const std::vector<std::string>& config_keys();

/// The value of `key` in the form pkg.conf takes (lists space-separated).
PKG_API std::string config_value(const Config& config, const std::string& key);

}  // namespace pkg
