#pragma once

#include <sys/types.h>

#include <cstdio>
#include <string>
#include <vector>

namespace pkgtest {

/// tests/support/fetch_server.py as a child process on 127.0.0.1: files
/// from `dir` under /files/NAME and the fault routes its header lists. The
/// test synchronises with it through its stdout (one line per request
/// answered), never with sleeps; closing its stdin ends it.
class FetchServer {
public:
    explicit FetchServer(const std::string& dir, const std::string& extra_args = "");
    ~FetchServer();
    FetchServer(const FetchServer&) = delete;
    FetchServer& operator=(const FetchServer&) = delete;

    int port() const { return port_; }
    /// "http://127.0.0.1:PORT" + path.
    std::string url(const std::string& path) const;
    /// Reads the server's log until `count` requests of exactly `path` were
    /// answered; returns the status of the last line of them. Lines come in
    /// the order the server's threads finish, not always the order of the
    /// requests: for several requests of one path, compare statuses().
    int wait_served(const std::string& path, int count = 1);
    /// The statuses of the requests of `path` the log showed so far, sorted.
    std::vector<int> statuses(const std::string& path) const;
    /// Ends the server and reads its log to the end: afterwards statuses()
    /// and requests() count every request it answered.
    void finish();
    /// How many requests the log showed so far, of any path.
    std::size_t requests() const;

private:
    pid_t pid_ = -1;
    int stdin_fd_ = -1;
    FILE* out_ = nullptr;
    int port_ = 0;
    std::string log_;  // the lines read so far
};

}  // namespace pkgtest
