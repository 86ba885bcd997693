#pragma once

// The build sandbox (DESIGN.md, "A build", "The sandbox"): a command run in
// new user, mount, PID, network, IPC and UTS namespaces, on a read-only view
// of a build root, with only the directories it may write bound in, and no
// network. Set up by a helper program (lib/pkg/sandbox, beside the modules)
// that pkg starts with posix_spawn: a freshly executed process has no
// threads, so its clone() and unshare() calls are safe whatever pkg's own
// threads (libcurl's resolver) are doing.

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "pkg/export.hpp"

namespace pkg {

/// A host directory bound at a fixed path inside the sandbox. The sandbox
/// is set up as sandbox_owner(); as root, the helper copies `host`'s mount
/// tree before it leaves the host's namespaces, so `host` may lie below a
/// directory of mode 700 such as /root.
struct SandboxBind {
    std::filesystem::path host;    ///< an existing host directory (or file)
    /// Absolute, without `.` or `..`. Missing directories are created in the
    /// sandbox's own root (a new top-level /build), never in the read-only
    /// build root: there, only an existing directory may be mounted over.
    /// No symbolic link is followed.
    std::filesystem::path inside;
    bool writable = false;
};

struct SandboxSpec {
    /// The system the command runs on, read-only: the host's `/` or a
    /// system tree (`--build-root`, a sysroot for a port's test).
    std::filesystem::path build_root = "/";
    std::vector<SandboxBind> binds;
    std::filesystem::path directory;         ///< the working directory, inside
    std::vector<std::string> argv;           ///< argv[0] an absolute path inside
    std::vector<std::string> environment;    ///< "NAME=value": the whole environment
    int output_fd = -1;                      ///< stdout and stderr (a log file); -1: /dev/null
    std::chrono::seconds timeout{0};         ///< 0: none; else the whole sandbox is killed
    /// false (`--no-sandbox`): the same command, environment, directory,
    /// output and timeout, without namespaces; binds are not made, so the
    /// caller passes host paths.
    bool isolate = true;
};

struct SandboxResult {
    int exit_status = -1;  ///< the command's exit status when it exited, else -1
    int signal = 0;        ///< the signal that ended it, else 0
    bool timed_out = false;
    bool succeeded() const noexcept { return !timed_out && signal == 0 && exit_status == 0; }
    /// "exit status 2", "killed by signal 9 (Killed)", "timed out after 60 s".
    PKG_API std::string describe(std::chrono::seconds timeout) const;
};

/// The host user and group that the sandbox's root is mapped to. For root
/// a range of 65536 ids from a base no one uses (so files a build creates
/// are owned by no real user, and `install -o root` works); for anyone else
/// their own ids (a single-id map). Writable binds must be owned by them
/// (see give_to_sandbox).
struct SandboxOwner {
    unsigned uid;
    unsigned gid;
};
/// As root, the sandbox's ids 0..65535 are host ids sandbox_id_base ..
/// sandbox_id_base + 65535 (uids and gids alike): 1879048192 (0x70000000),
/// far above any id a distribution or a directory service hands out.
inline constexpr unsigned sandbox_id_base = 0x70000000;
PKG_API SandboxOwner sandbox_owner();

/// Gives the tree at `dir` (not following symlinks) to sandbox_owner(), so
/// the build may write it; a no-op when the caller is not root.
PKG_API void give_to_sandbox(const std::filesystem::path& dir);

/// Runs spec.argv in the sandbox to its end; everything it started is
/// killed when it ends, times out, or pkg dies. Throws SystemError when the
/// sandbox cannot be set up, naming the helper's step ("cannot set up the
/// build sandbox (step bind): ..."), the command's exec and working
/// directory included: a SandboxResult is always the command's own end.
/// Call it from a thread that outlives the build: the helper dies with the
/// thread that started it (PR_SET_PDEATHSIG is per thread).
PKG_API SandboxResult run_sandboxed(const SandboxSpec& spec);

}  // namespace pkg
