// run_sandboxed: starts the helper program (lib/pkg/sandbox, see
// sandbox_helper.cpp for its command line and report) and turns its report
// into a SandboxResult or a SystemError. All the namespace work is the
// helper's: it is a freshly executed process with one thread.

#include "pkg/build/sandbox.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <optional>
#include <string_view>

#include "pkg/error.hpp"
#include "pkg/module.hpp"

namespace pkg {
namespace fs = std::filesystem;

namespace {

struct Descriptor {
    int fd = -1;
    ~Descriptor() { reset(); }
    void reset() {
        if (fd >= 0)
            ::close(fd);
        fd = -1;
    }
};

void check_spawn(int err) {
    if (err != 0)
        throw SystemError{err, "cannot prepare the build sandbox's helper"};
}

class SpawnSetup {
  public:
    SpawnSetup() {
        check_spawn(::posix_spawn_file_actions_init(&actions_));
        if (int err = ::posix_spawnattr_init(&attributes_); err != 0) {
            ::posix_spawn_file_actions_destroy(&actions_);
            check_spawn(err);
        }
    }
    ~SpawnSetup() {
        ::posix_spawn_file_actions_destroy(&actions_);
        ::posix_spawnattr_destroy(&attributes_);
    }
    SpawnSetup(const SpawnSetup&) = delete;
    SpawnSetup& operator=(const SpawnSetup&) = delete;
    posix_spawn_file_actions_t* actions() { return &actions_; }
    posix_spawnattr_t* attributes() { return &attributes_; }

  private:
    posix_spawn_file_actions_t actions_;
    posix_spawnattr_t attributes_;
};

// The helper starts with default signal dispositions and nothing blocked,
// whatever pkg ignores or blocks.
void reset_signals(SpawnSetup& setup) {
    sigset_t none;
    sigemptyset(&none);
    sigset_t all;
    sigfillset(&all);
    sigdelset(&all, SIGKILL);
    sigdelset(&all, SIGSTOP);
    check_spawn(::posix_spawnattr_setsigmask(setup.attributes(), &none));
    check_spawn(::posix_spawnattr_setsigdefault(setup.attributes(), &all));
    check_spawn(::posix_spawnattr_setflags(setup.attributes(),
                                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));
}

constexpr int helper_report_fd = 3;

std::vector<std::string> helper_arguments(const fs::path& helper, const SandboxSpec& spec) {
    std::vector<std::string> args = {helper.string(), "--report-fd",
                                     std::to_string(helper_report_fd), "--parent-pid",
                                     std::to_string(::getpid())};
    if (spec.isolate) {
        args.insert(args.end(), {"--map-base", std::to_string(sandbox_owner().uid), "--root",
                                 spec.build_root.string()});
        for (const SandboxBind& bind : spec.binds) {
            args.insert(args.end(), {bind.writable ? "--bind-rw" : "--bind", bind.host.string(),
                                     bind.inside.string()});
        }
    } else {
        args.push_back("--no-isolate");
    }
    if (!spec.directory.empty())
        args.insert(args.end(), {"--chdir", spec.directory.string()});
    if (spec.timeout.count() > 0)
        args.insert(args.end(), {"--timeout", std::to_string(spec.timeout.count())});
    for (const std::string& entry : spec.environment)
        args.insert(args.end(), {"--env", entry});
    args.push_back("--");
    args.insert(args.end(), spec.argv.begin(), spec.argv.end());
    return args;
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
    std::vector<char*> out;
    out.reserve(strings.size() + 1);
    for (const auto& s : strings)
        out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

std::string read_all(int fd) {
    std::string text;
    char buffer[4096];
    for (;;) {
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return text;
        text.append(buffer, static_cast<std::size_t>(n));
    }
}

bool parse_int(std::string_view text, int& out) {
    if (text.empty() || text.size() > 9)
        return false;
    int value = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return false;
        value = value * 10 + (c - '0');
    }
    out = value;
    return true;
}

// The helper's report: a "setup ERRNO STEP DETAIL" line wins over
// everything (the setup failed, whatever the exit status says); else the
// last of "exit N", "signal N", "timeout".
SandboxResult parse_report(const std::string& report, int helper_status) {
    std::optional<SandboxResult> result;
    std::size_t start = 0;
    while (start < report.size()) {
        std::size_t end = report.find('\n', start);
        if (end == std::string::npos)
            end = report.size();
        std::string_view line(report.data() + start, end - start);
        start = end + 1;
        if (line.starts_with("setup ")) {
            std::string_view rest = line.substr(6);
            std::size_t space = rest.find(' ');
            int err = 0;
            if (space == std::string_view::npos || !parse_int(rest.substr(0, space), err))
                break;
            rest.remove_prefix(space + 1);
            space = rest.find(' ');
            std::string step(rest.substr(0, space));
            std::string detail(space == std::string_view::npos ? "" : rest.substr(space + 1));
            throw SystemError{err, "cannot set up the build sandbox (step {}): {}", step, detail};
        }
        int number = 0;
        if (line == "timeout") {
            result = SandboxResult{};
            result->timed_out = true;
        } else if (line.starts_with("exit ") && parse_int(line.substr(5), number)) {
            result = SandboxResult{};
            result->exit_status = number;
        } else if (line.starts_with("signal ") && parse_int(line.substr(7), number)) {
            result = SandboxResult{};
            result->signal = number;
        }
    }
    if (!result) {
        std::string how = WIFSIGNALED(helper_status)
                              ? fmt::format("killed by signal {}", WTERMSIG(helper_status))
                              : fmt::format("exit status {}", WEXITSTATUS(helper_status));
        throw Error("the build sandbox's helper ended without a report ({})", how);
    }
    return *result;
}

}  // namespace

std::string SandboxResult::describe(std::chrono::seconds timeout) const {
    if (timed_out)
        return fmt::format("timed out after {} s", timeout.count());
    if (signal != 0)
        return fmt::format("killed by signal {} ({})", signal, ::strsignal(signal));
    return fmt::format("exit status {}", exit_status);
}

SandboxOwner sandbox_owner() {
    if (::geteuid() == 0)
        return {sandbox_id_base, sandbox_id_base};
    return {::geteuid(), ::getegid()};
}

void give_to_sandbox(const fs::path& dir) {
    if (::geteuid() != 0)
        return;
    SandboxOwner owner = sandbox_owner();
    auto give = [&](const fs::path& path) {
        if (::lchown(path.c_str(), owner.uid, owner.gid) != 0)
            throw SystemError{errno, path, "cannot give {} to the build sandbox", path.string()};
    };
    give(dir);
    std::error_code ec;
    // Symbolic links are changed themselves (lchown), never followed.
    fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec);
    if (ec)
        throw SystemError{ec.value(), dir, "cannot read {}", dir.string()};
    for (const fs::recursive_directory_iterator end; it != end; it.increment(ec)) {
        if (ec)
            throw SystemError{ec.value(), dir, "cannot read {}", dir.string()};
        give(it->path());
    }
    if (ec)
        throw SystemError{ec.value(), dir, "cannot read {}", dir.string()};
}

SandboxResult run_sandboxed(const SandboxSpec& spec) {
    if (spec.argv.empty())
        throw Error("cannot run a command in the build sandbox: no argv given");
    fs::path helper = module_directory() / "sandbox";
    std::vector<std::string> args = helper_arguments(helper, spec);

    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
        throw SystemError{errno, "cannot create a pipe for the build sandbox"};
    Descriptor read_end{pipe_fds[0]};
    Descriptor write_end{pipe_fds[1]};
    // Above 0-3, so that the dup2s below cannot overwrite it before it is copied.
    Descriptor report{::fcntl(write_end.fd, F_DUPFD_CLOEXEC, 10)};
    if (report.fd < 0)
        throw SystemError{errno, "cannot create a pipe for the build sandbox"};
    write_end.reset();

    SpawnSetup setup;
    posix_spawn_file_actions_t* actions = setup.actions();
    // dup2 clears close-on-exec on the copies; everything else is closed
    // (glibc runs close_range), so a root's lock never reaches a build.
    if (spec.output_fd >= 0) {
        check_spawn(::posix_spawn_file_actions_adddup2(actions, spec.output_fd, 1));
        check_spawn(::posix_spawn_file_actions_adddup2(actions, spec.output_fd, 2));
    } else {
        check_spawn(::posix_spawn_file_actions_addopen(actions, 1, "/dev/null", O_WRONLY, 0));
        check_spawn(::posix_spawn_file_actions_adddup2(actions, 1, 2));
    }
    check_spawn(::posix_spawn_file_actions_adddup2(actions, report.fd, helper_report_fd));
    check_spawn(::posix_spawn_file_actions_addopen(actions, 0, "/dev/null", O_RDONLY, 0));
    check_spawn(::posix_spawn_file_actions_addclosefrom_np(actions, helper_report_fd + 1));
    reset_signals(setup);

    std::vector<char*> argv = c_strings(args);
    char* no_environment[] = {nullptr};
    pid_t pid = -1;
    int err = ::posix_spawn(&pid, helper.c_str(), actions, setup.attributes(), argv.data(),
                            no_environment);
    if (err != 0) {
        throw with_hint(
            SystemError{err, helper, "cannot start the build sandbox's helper {}", helper.string()},
            "reinstall pkg: the helper is part of it");
    }
    report.reset();  // else the read below never sees the end

    std::string text = read_all(read_end.fd);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            throw SystemError{errno, "cannot wait for the build sandbox (pid {})", pid};
    }
    return parse_report(text, status);
}

}  // namespace pkg
