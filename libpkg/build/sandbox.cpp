// Interim: runs without namespaces until the sandbox helper lands.
#include "pkg/build/sandbox.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "pkg/error.hpp"

namespace pkg {

std::string SandboxResult::describe(std::chrono::seconds timeout) const {
    if (timed_out) return fmt::format("timed out after {} s", timeout.count());
    if (signal) return fmt::format("killed by signal {} ({})", signal, strsignal(signal));
    return fmt::format("exit status {}", exit_status);
}

SandboxOwner sandbox_owner() { return {static_cast<unsigned>(::getuid()), static_cast<unsigned>(::getgid())}; }

void give_to_sandbox(const std::filesystem::path&) {}

SandboxResult run_sandboxed(const SandboxSpec& spec) {
    std::vector<char*> argv, env;
    for (auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (auto& e : spec.environment) env.push_back(const_cast<char*>(e.c_str()));
    env.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) throw SystemError{errno, "cannot fork"};
    if (pid == 0) {
        ::setsid();
        int null = ::open("/dev/null", O_RDWR);
        ::dup2(null, 0);
        int out = spec.output_fd >= 0 ? spec.output_fd : null;
        ::dup2(out, 1);
        ::dup2(out, 2);
        if (!spec.directory.empty() && ::chdir(spec.directory.c_str()) != 0) ::_exit(127);
        ::execve(argv[0], argv.data(), env.data());
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    SandboxResult r;
    if (WIFEXITED(status)) r.exit_status = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
    return r;
}

}  // namespace pkg
