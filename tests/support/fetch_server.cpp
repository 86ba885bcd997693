#include "support/fetch_server.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "support/process.hpp"

namespace pkgtest {

FetchServer::FetchServer(const std::string& dir, const std::string& extra_args) {
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    std::vector<std::string> args = {"python3", source_dir() + "/tests/support/fetch_server.py", "--dir", dir};
    std::istringstream extra(extra_args);
    for (std::string word; extra >> word;) args.push_back(word);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    int rc = posix_spawnp(&pid_, "python3", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start python3 for the fetch server");
    ::close(in[0]);
    ::close(out[1]);
    stdin_fd_ = in[1];
    out_ = ::fdopen(out[0], "r");
    char line[256];
    if (!std::fgets(line, sizeof line, out_) || std::sscanf(line, "port %d", &port_) != 1) {
        throw std::runtime_error("the fetch server did not start (is python3 installed?)");
    }
}

FetchServer::~FetchServer() {
    if (stdin_fd_ >= 0) ::close(stdin_fd_);  // the server ends at EOF on stdin
    if (pid_ > 0) {
        ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
    if (out_) std::fclose(out_);
}

std::string FetchServer::url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void FetchServer::finish() {
    if (stdin_fd_ >= 0) ::close(stdin_fd_);  // the server ends at EOF on stdin
    stdin_fd_ = -1;
    char buffer[4096];
    while (out_ && std::fgets(buffer, sizeof buffer, out_)) log_ += buffer;
    if (pid_ > 0) {
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
    }
}

std::size_t FetchServer::requests() const {
    return static_cast<std::size_t>(std::count(log_.begin(), log_.end(), '\n'));
}

std::vector<int> FetchServer::statuses(const std::string& path) const {
    std::vector<int> out;
    std::istringstream in(log_);
    for (std::string line; std::getline(in, line);) {
        std::istringstream words(line);
        std::string served, method, p;
        int status = 0;
        words >> served >> method >> p >> status;
        if (p == path) out.push_back(status);
    }
    std::sort(out.begin(), out.end());
    return out;
}

int FetchServer::wait_served(const std::string& path, int count) {
    int status = -1;
    int seen = 0;
    std::istringstream in(log_);
    for (std::string line; std::getline(in, line);) {
        std::istringstream words(line);
        std::string served, method, p;
        int s = 0;
        words >> served >> method >> p >> s;
        if (p == path && ++seen >= count) return s;
    }
    char buffer[4096];
    while (std::fgets(buffer, sizeof buffer, out_)) {
        std::string line = buffer;
        log_ += line;
        std::istringstream words(line);
        std::string served, method, p;
        words >> served >> method >> p >> status;
        if (p == path && ++seen >= count) return status;
    }
    throw std::runtime_error("the fetch server ended before serving " + path);
}

}  // namespace pkgtest
