#pragma once

// Running another program (apt-get, a build step's tool) from libpkg: by
// argv, never through a shell, with only the environment the caller names.

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pkg/export.hpp"

namespace pkg {

/// What to run. Nothing of pkg's own state reaches the child implicitly:
/// its environment is exactly `environment`, stdin is /dev/null, and every
/// descriptor but 0, 1 and 2 is closed (pkg may hold a root's lock, which a
/// lingering child must not keep).
struct Program {
    std::vector<std::string> argv;         ///< argv[0] is a path: see find_program
    std::vector<std::string> environment;  ///< "NAME=value" entries, the child's whole environment
    std::filesystem::path directory;       ///< the working directory; empty: the caller's
    std::size_t output_limit = 64 * 1024;  ///< how much of the output is kept (the end of it)
};

/// How a program ended and what it said.
struct ProgramResult {
    int exit_status = -1;  ///< the exit status when it exited, else -1
    int signal = 0;        ///< the signal that killed it, else 0
    /// The last `output_limit` bytes of stdout and stderr, interleaved as
    /// written (both go to one pipe).
    std::string output;
    bool truncated = false;  ///< earlier output was dropped

    bool succeeded() const noexcept { return signal == 0 && exit_status == 0; }
    /// "exit status 100" or "killed by signal 9 (Killed)", for messages.
    PKG_API std::string describe() const;
};

/// Runs `program` to its end and returns how it ended. Throws SystemError
/// when it cannot be started (a missing or non-executable argv[0], a
/// working directory that does not exist).
PKG_API ProgramResult run_program(const Program& program);

/// The first executable `name` in the directories of `search_path` (a
/// PATH value), or nullopt. A name holding a slash is returned as it is
/// when executable.
PKG_API std::optional<std::filesystem::path> find_program(std::string_view name,
                                                          std::string_view search_path);

}  // namespace pkg
