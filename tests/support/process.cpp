#include "support/process.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace pkgtest {
namespace fs = std::filesystem;

namespace {

bool unset(const std::string& name, const std::vector<std::string>& patterns) {
    for (const auto& p : patterns) {
        if (!p.empty() && p.back() == '*') {
            if (name.rfind(p.substr(0, p.size() - 1), 0) == 0) return true;
        } else if (name == p) {
            return true;
        }
    }
    return false;
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e) {
        std::string entry = *e;
        std::string name = entry.substr(0, entry.find('='));
        if (unset(name, options.unset_env) || options.set_env.count(name)) continue;
        env_strings.push_back(entry);
    }
    for (const auto& [k, v] : options.set_env) env_strings.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> args = argv;
    std::vector<char*> cargv;
    for (auto& s : args) cargv.push_back(s.data());
    cargv.push_back(nullptr);

    int in[2], out[2], err[2];
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
        throw std::runtime_error("pipe failed");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    if (!options.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, options.cwd.c_str());
    pid_t pid = 0;
    int rc = posix_spawn(&pid, cargv[0], &actions, nullptr, cargv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    close(in[0]);
    close(out[1]);
    close(err[1]);
    if (rc != 0) {
        close(in[1]);
        close(out[0]);
        close(err[0]);
        throw std::runtime_error(std::string("cannot run ") + argv[0] + ": " + strerror(rc));
    }
    signal(SIGPIPE, SIG_IGN);
    size_t written = 0;
    if (options.input.empty()) {
        close(in[1]);
        in[1] = -1;
    }
    ProcessResult result;
    pollfd fds[3] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}, {in[1], POLLOUT, 0}};
    int open_reads = 2;
    char buffer[65536];
    while (open_reads > 0 || fds[2].fd >= 0) {
        if (poll(fds, 3, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
            if (n > 0) {
                (i == 0 ? result.out : result.err).append(buffer, static_cast<size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open_reads;
            }
        }
        if (fds[2].fd >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t n = write(fds[2].fd, options.input.data() + written, options.input.size() - written);
            if (n > 0) written += static_cast<size_t>(n);
            if (n < 0 || written == options.input.size()) {
                close(fds[2].fd);
                fds[2].fd = -1;
            }
        }
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

std::string pkg_binary() { return PKG_TEST_BINARY; }
std::string source_dir() { return PKG_TEST_SOURCE_DIR; }

ProcessResult run_pkg(const std::vector<std::string>& args, ProcessOptions options) {
    std::vector<std::string> argv{pkg_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    options.unset_env.push_back("PKGMGR_*");
    options.unset_env.push_back("COLUMNS");
    if (!options.set_env.count("NO_COLOR")) options.set_env["NO_COLOR"] = "1";
    return run_process(argv, options);
}

namespace {

// bin/pkg, lib/libpkg.so* and lib/pkg/*.so copied below a fresh directory
// of mode 755 (RUNPATH is $ORIGIN/../lib), once per test process.
std::string unprivileged_copy() {
    // Never destroyed: the atexit handler below still needs it after static
    // destructors registered later have run.
    static const std::string* copy = [] {
        std::string pattern = (fs::temp_directory_path() / "pkg-test-bin-XXXXXX").string();
        if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
        fs::path root = pattern;
        fs::permissions(root, fs::perms(0755));
        fs::path built = fs::path(pkg_binary()).parent_path().parent_path();
        fs::create_directories(root / "bin");
        fs::copy(built / "bin" / "pkg", root / "bin" / "pkg");
        fs::copy(built / "lib", root / "lib", fs::copy_options::recursive | fs::copy_options::copy_symlinks);
        for (auto& e : fs::recursive_directory_iterator(root)) {
            if (e.is_directory() && !e.is_symlink()) fs::permissions(e.path(), fs::perms(0755));
        }
        auto* made = new std::string((root / "bin" / "pkg").string());
        std::atexit([] {
            std::error_code ec;
            fs::remove_all(fs::path(*copy).parent_path().parent_path(), ec);
        });
        return made;
    }();
    return *copy;
}

}  // namespace

ProcessResult run_pkg_unprivileged(const std::vector<std::string>& args, ProcessOptions options) {
    if (geteuid() != 0) return run_pkg(args, std::move(options));
    std::vector<std::string> argv{"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--",
                                  unprivileged_copy()};
    argv.insert(argv.end(), args.begin(), args.end());
    options.unset_env.push_back("PKGMGR_*");
    options.unset_env.push_back("COLUMNS");
    if (!options.set_env.count("NO_COLOR")) options.set_env["NO_COLOR"] = "1";
    return run_process(argv, options);
}

int in_child_as_nobody(const std::function<int()>& body) {
    pid_t pid = fork();
    if (pid == 0) {
        if (geteuid() == 0 && (setgroups(0, nullptr) != 0 || setresgid(65534, 65534, 65534) != 0 ||
                               setresuid(65534, 65534, 65534) != 0)) {
            _exit(100);
        }
        int status = 101;
        try {
            status = body();
        } catch (const std::exception& e) {
            fprintf(stderr, "%s\n", e.what());
        }
        _exit(status);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool can_unshare_mounts() {
    static bool can = run_process({"/usr/bin/unshare", "-rm", "/bin/true"}).status == 0;
    return can;
}

std::string check_golden(const std::string& name, const std::string& actual) {
    fs::path file = fs::path(source_dir()) / "tests" / "golden" / name;
    const char* update = std::getenv("PKG_TEST_UPDATE_GOLDEN");
    if (update && std::string(update) == "1") {
        fs::create_directories(file.parent_path());
        std::ofstream(file, std::ios::binary) << actual;
        return "";
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) return "golden file " + file.string() + " is missing (PKG_TEST_UPDATE_GOLDEN=1 writes it)";
    std::stringstream expected;
    expected << in.rdbuf();
    if (expected.str() == actual) return "";
    return "output differs from " + file.string() + "\n--- expected\n" + expected.str() +
           "\n--- actual\n" + actual;
}

ScratchDir::ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "pkg-test-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
}

ScratchDir::~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
}

std::string ScratchDir::write(const std::string& name, const std::string& content) const {
    fs::path file = fs::path(path_) / name;
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << content;
    return file.string();
}

}  // namespace pkgtest
