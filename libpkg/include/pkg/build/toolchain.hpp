#pragma once

// Build machine, target, toolchain (DESIGN.md, "A build"): what compiles a
// port for its target, and what the binary cache keys a build on.

#include <filesystem>
#include <string>

#include "pkg/export.hpp"

namespace pkg {

/// The compilers a build uses. A native build (the target is the build
/// machine) uses the build root's own `cc`; a cross build the target's
/// tools, found by the triplet on PATH; a musl target on a glibc host of
/// the same architecture pkg's own toolchain: the host's gcc with a specs
/// file written for the sysroot (C only), once musl is in the sysroot.
struct Toolchain {
    std::string target;   ///< the triplet built for
    std::string build;    ///< the build machine's triplet
    bool cross = false;   ///< target != build: configure gets --build and --host
    /// A directory put first on PATH inside the build (pkg's own musl
    /// toolchain), or empty.
    std::filesystem::path bin;
    std::string cc = "cc";
    std::string cxx = "c++";
    /// What the binary cache keys on besides the port hash and the target:
    /// the compiler's identity and the toolchain's files, never the
    /// sysroot's location.
    std::string id;
};

/// Where a build sees things: `sysroot` is the path the build's compiler
/// reads the sysroot at (the sandbox's fixed /sysroot, or the host path
/// without a sandbox).
struct ToolchainRequest {
    std::string target;
    std::filesystem::path sysroot_host;  ///< the root the package is for, on the host
    std::filesystem::path sysroot_seen;  ///< the same, as the build sees it
    std::filesystem::path directory;     ///< where pkg may write a toolchain of its own
    /// The port builds with the build machine's compiler (`"toolchain":
    /// "build"`, the C library itself).
    bool build_toolchain = false;
};

/// Finds or writes the toolchain for `request`. Throws DependencyError
/// (exit 6) when the target needs what is missing: musl not yet in the
/// sysroot, or no TRIPLET-gcc on PATH for a cross target.
PKG_API Toolchain make_toolchain(const ToolchainRequest& request);

/// The architecture part of a triplet ("x86_64" of x86_64-linux-musl).
PKG_API std::string triplet_arch(const std::string& triplet);

/// The specs file pkg's musl toolchain gives the host's gcc, for a sysroot
/// seen at `sysroot` (DESIGN.md: musl-gcc.specs as the model).
PKG_API std::string musl_specs(const std::filesystem::path& sysroot, const std::string& arch);

}  // namespace pkg
