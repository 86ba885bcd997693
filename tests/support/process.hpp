#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace pkgtest {

struct ProcessResult {
    int status = -1;  ///< exit status, or 128 + signal number
    std::string out;
    std::string err;
};

struct ProcessOptions {
    std::map<std::string, std::string> set_env;  ///< added or replaced
    std::vector<std::string> unset_env;          ///< removed (exact names or "PREFIX*")
    std::string input;                           ///< written to stdin, then closed
    std::string cwd;                             ///< working directory, if not empty
};

/// Runs argv[0] (a path) to completion, capturing stdout and stderr.
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

/// Path of the pkg binary under test and of the source tree.
std::string pkg_binary();
std::string source_dir();

/// Runs pkg with `args`; PKGMGR_* variables of the caller are removed and
/// NO_COLOR is set, so results depend on the arguments alone.
ProcessResult run_pkg(const std::vector<std::string>& args, ProcessOptions options = {});

/// Runs pkg as an unprivileged user: as root, as nobody (65534) through
/// setpriv, from a copy of pkg and its libraries that nobody may run (the
/// build tree may sit below a directory of mode 700); otherwise as the
/// caller. Paths given to it must be reachable for that user.
ProcessResult run_pkg_unprivileged(const std::vector<std::string>& args, ProcessOptions options = {});

/// Runs `body` in a forked child, as nobody (65534) when this process is
/// root, else as it is; returns its exit status (128 + signal when killed;
/// 100 when privileges could not be dropped, 101 when `body` threw).
int in_child_as_nobody(const std::function<int()>& body);

/// Whether this process may create a mount namespace (`unshare -rm`):
/// tests that mount a small tmpfs skip otherwise.
bool can_unshare_mounts();

/// Compares `actual` with tests/golden/NAME; with PKG_TEST_UPDATE_GOLDEN=1
/// in the environment, rewrites the file instead. Returns a gtest-style message.
std::string check_golden(const std::string& name, const std::string& actual);

/// A fresh empty directory, removed at destruction.
class ScratchDir {
public:
    ScratchDir();
    ~ScratchDir();
    const std::string& path() const { return path_; }
    /// Writes `content` to path()/name and returns the full path.
    std::string write(const std::string& name, const std::string& content) const;

private:
    std::string path_;
};

}  // namespace pkgtest
