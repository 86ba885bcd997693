#pragma once

// Building a port (DESIGN.md, "A build"): unpack → patch → prepare →
// configure → build → check → install into DESTDIR → package, each phase a
// sandboxed shell with a log of its own; a package under
// packages-dir/TARGET/, reused while its port hash, target and toolchain
// are the same.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "pkg/build/toolchain.hpp"
#include "pkg/error.hpp"
#include "pkg/events.hpp"
#include "pkg/export.hpp"
#include "pkg/fetch/fetcher.hpp"
#include "pkg/package/package.hpp"
#include "pkg/port/port.hpp"

namespace pkg {

struct BuildSettings {
    std::filesystem::path build_dir;     ///< scratch space: one directory per build
    std::filesystem::path packages_dir;  ///< packages land in packages_dir/TARGET/
    /// The root the package is for (--root): its build dependencies are
    /// there; bound read-only at /sysroot in the sandbox.
    std::filesystem::path sysroot = "/";
    std::filesystem::path build_root = "/";  ///< the system the build runs on
    unsigned jobs = 1;
    std::vector<std::string> cflags, cxxflags, ldflags;
    std::chrono::seconds timeout{0};  ///< per phase; 0: none
    bool sandbox = true;              ///< false: --no-sandbox
    bool keep = false;                ///< keep the build directory (it is kept on failure too)
    /// The umask the phases run with (022 when unset).
    std::optional<unsigned> umask;
};

/// One port to build, with its fetched sources (one per port.sources).
struct BuildInput {
    const Port* port = nullptr;
    std::string port_hash;
    std::vector<FetchResult> sources;
};

struct BuildResult {
    std::filesystem::path package;
    PackageManifest manifest;
    bool reused = false;
    std::filesystem::path directory;  ///< the build directory, when kept
    std::vector<std::string> warnings;
};

/// A phase failed: names the port, the phase and its log, and carries the
/// log's last lines.
class PKG_API BuildError : public Error {
public:
    BuildError(std::string port, std::string phase, std::filesystem::path log, std::string tail,
               std::string what);
    const std::string& port() const noexcept { return port_; }
    const std::string& phase() const noexcept { return phase_; }
    const std::filesystem::path& log() const noexcept { return log_; }
    const std::string& tail() const noexcept { return tail_; }

private:
    std::string port_, phase_;
    std::filesystem::path log_;
    std::string tail_;
};

/// Where the package of `port` goes (or is): packages_dir/TARGET/FILE.
PKG_API std::filesystem::path package_path(const BuildSettings& settings, const Port& port,
                                           const Toolchain& toolchain);

/// The package built before from the same port hash, target and toolchain,
/// when it is still there and whole.
PKG_API std::optional<BuildResult> find_built(const BuildSettings& settings, const Port& port,
                                              const std::string& port_hash, const Toolchain& toolchain);

/// Builds `input` with `toolchain` and writes its package. Throws
/// BuildError when a phase fails (the build directory is kept for a look),
/// Error when the result breaks a packaging rule.
PKG_API BuildResult build_port(const BuildSettings& settings, const BuildInput& input,
                               const Toolchain& toolchain, EventSink& events);

}  // namespace pkg
