#pragma once

#include <filesystem>

#include "pkg/export.hpp"

namespace pkg {

/// Registers a temporary file for removal if the process is interrupted by
/// SIGINT, SIGTERM or SIGHUP while this object lives (after
/// remove_temporaries_on_signals). Destroy it, or call release(), once the
/// file is renamed into place or removed.
class PKG_API RemoveOnSignal {
public:
    explicit RemoveOnSignal(const std::filesystem::path& path);
    ~RemoveOnSignal();
    RemoveOnSignal(const RemoveOnSignal&) = delete;
    RemoveOnSignal& operator=(const RemoveOnSignal&) = delete;

    void release() noexcept;

private:
    int slot_ = -1;
};

/// Installs handlers for SIGINT, SIGTERM and SIGHUP that remove every
/// registered temporary, then end the process by the same signal (its
/// exit status says which). The frontend calls it once; libpkg never does.
PKG_API void remove_temporaries_on_signals();

}  // namespace pkg
