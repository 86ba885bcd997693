#include "pkg/process.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "pkg/error.hpp"

namespace pkg {

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

// posix_spawn rather than fork: glibc starts the child with
// clone(CLONE_VM | CLONE_VFORK) and runs only its own async-signal-safe
// code there, so nothing of ours executes between the fork and the exec,
// and copying a large address space costs nothing.
class SpawnActions {
  public:
    SpawnActions() { check(::posix_spawn_file_actions_init(&actions_), "prepare"); }
    ~SpawnActions() { ::posix_spawn_file_actions_destroy(&actions_); }
    SpawnActions(const SpawnActions&) = delete;
    SpawnActions& operator=(const SpawnActions&) = delete;
    posix_spawn_file_actions_t* get() { return &actions_; }

    static void check(int err, const char* what) {
        if (err != 0)
            throw SystemError{err, "cannot {} a child process", what};
    }

  private:
    posix_spawn_file_actions_t actions_;
};

class SpawnAttributes {
  public:
    SpawnAttributes() { SpawnActions::check(::posix_spawnattr_init(&attributes_), "prepare"); }
    ~SpawnAttributes() { ::posix_spawnattr_destroy(&attributes_); }
    SpawnAttributes(const SpawnAttributes&) = delete;
    SpawnAttributes& operator=(const SpawnAttributes&) = delete;
    posix_spawnattr_t* get() { return &attributes_; }

  private:
    posix_spawnattr_t attributes_;
};

// The child starts with no blocked signals and default dispositions: a
// signal pkg ignores (SIGPIPE) or blocks would otherwise stay so in apt.
void reset_signals(SpawnAttributes& attributes) {
    sigset_t none;
    sigemptyset(&none);
    sigset_t all;
    sigfillset(&all);
    sigdelset(&all, SIGKILL);
    sigdelset(&all, SIGSTOP);
    SpawnActions::check(::posix_spawnattr_setsigmask(attributes.get(), &none), "prepare");
    SpawnActions::check(::posix_spawnattr_setsigdefault(attributes.get(), &all), "prepare");
    SpawnActions::check(::posix_spawnattr_setflags(attributes.get(),
                                                   POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF),
                        "prepare");
}

// Keeps the end of the output: a failing program says why last.
void keep_tail(std::string& kept, const char* data, std::size_t size, std::size_t limit,
               bool& truncated) {
    kept.append(data, size);
    // Trim only now and then, so that a chatty program costs linear time.
    if (kept.size() > 2 * limit + 65536) {
        kept.erase(0, kept.size() - limit);
        truncated = true;
    }
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
    std::vector<char*> out;
    out.reserve(strings.size() + 1);
    for (const auto& s : strings)
        out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

}  // namespace

std::string ProgramResult::describe() const {
    if (signal != 0)
        return fmt::format("killed by signal {} ({})", signal, ::strsignal(signal));
    return fmt::format("exit status {}", exit_status);
}

std::optional<std::filesystem::path> find_program(std::string_view name,
                                                  std::string_view search_path) {
    auto runnable = [](const std::filesystem::path& candidate) {
        struct stat st {};
        return ::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
               ::access(candidate.c_str(), X_OK) == 0;
    };
    if (name.empty())
        return std::nullopt;
    if (name.find('/') != std::string_view::npos) {
        std::filesystem::path candidate(name);
        if (runnable(candidate))
            return candidate;
        return std::nullopt;
    }
    std::size_t start = 0;
    while (start <= search_path.size()) {
        std::size_t end = search_path.find(':', start);
        if (end == std::string_view::npos)
            end = search_path.size();
        std::string_view dir = search_path.substr(start, end - start);
        // An empty entry means the working directory, which is never where
        // pkg means to find a tool: skip it.
        if (!dir.empty()) {
            std::filesystem::path candidate = std::filesystem::path(dir) / name;
            if (runnable(candidate))
                return candidate;
        }
        start = end + 1;
    }
    return std::nullopt;
}

ProgramResult run_program(const Program& program) {
    if (program.argv.empty())
        throw Error("cannot run a program: no argv given");
    const std::string& file = program.argv.front();

    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
        throw SystemError{errno, "cannot create a pipe for {}", file};
    Descriptor read_end{pipe_fds[0]};
    Descriptor write_end{pipe_fds[1]};

    SpawnActions actions;
    SpawnActions::check(
        ::posix_spawn_file_actions_addopen(actions.get(), 0, "/dev/null", O_RDONLY, 0), "prepare");
    // dup2 clears close-on-exec on the copies, so only 1 and 2 reach the child.
    SpawnActions::check(::posix_spawn_file_actions_adddup2(actions.get(), write_end.fd, 1),
                        "prepare");
    SpawnActions::check(::posix_spawn_file_actions_adddup2(actions.get(), write_end.fd, 2),
                        "prepare");
    // Descriptors opened without O_CLOEXEC (by us, a library, or another
    // thread racing with this spawn) end here: glibc runs close_range(3, ~0).
    SpawnActions::check(::posix_spawn_file_actions_addclosefrom_np(actions.get(), 3), "prepare");
    if (!program.directory.empty()) {
        SpawnActions::check(
            ::posix_spawn_file_actions_addchdir_np(actions.get(), program.directory.c_str()),
            "prepare");
    }
    SpawnAttributes attributes;
    reset_signals(attributes);

    std::vector<char*> argv = c_strings(program.argv);
    std::vector<char*> envp = c_strings(program.environment);
    pid_t pid = -1;
    int err = ::posix_spawn(&pid, file.c_str(), actions.get(), attributes.get(), argv.data(),
                            envp.data());
    if (err != 0) {
        if (!program.directory.empty() && ::access(program.directory.c_str(), X_OK) != 0) {
            throw SystemError{err, program.directory, "cannot run {} in {}", file,
                              program.directory.string()};
        }
        throw SystemError{err, std::filesystem::path(file), "cannot run {}", file};
    }
    write_end.reset();  // else the read below never sees the end

    ProgramResult result;
    char buffer[16384];
    for (;;) {
        ssize_t n = ::read(read_end.fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;  // a read error ends the capture, not the wait
        keep_tail(result.output, buffer, static_cast<std::size_t>(n), program.output_limit,
                  result.truncated);
    }
    if (result.output.size() > program.output_limit) {
        result.output.erase(0, result.output.size() - program.output_limit);
        result.truncated = true;
    }

    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            throw SystemError{errno, "cannot wait for {} (pid {})", file, pid};
    }
    if (WIFSIGNALED(status)) {
        result.signal = WTERMSIG(status);
    } else {
        result.exit_status = WEXITSTATUS(status);
    }
    return result;
}

}  // namespace pkg
