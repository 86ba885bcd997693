#pragma once

// The interface between libpkg and its `fetch` module (libcurl): transfers
// only. The module moves bytes and says how a transfer ended; libpkg decides
// everything else (origins, retries, resume, caps, verification). Like every
// module, it links libpkg and throws pkg::Error (modules/README in
// libpkg/CMakeLists.txt: one ABI style for all).
//
// No threads: a Session is driven by the thread that calls wait(), and every
// callback runs inside wait() on that thread.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pkg::fetchmod {

inline constexpr unsigned kAbi = 1;

struct Request {
    std::string url;
    std::uint64_t offset = 0;     ///< ask for the bytes from here on (a Range request) when > 0
    long connect_timeout_ms = 10000;
    long low_speed_limit = 1000;  ///< bytes per second below which the transfer is too slow...
    long low_speed_time = 15;     ///< ...for this many seconds
    long max_redirects = 10;      ///< only to http or https
    std::string user_agent;
};

/// Receives one transfer's response. Returning false aborts the transfer.
class Receiver {
public:
    virtual ~Receiver() = default;
    /// The final response begins (after redirects): its HTTP status (0 for
    /// file and ftp), the first byte's offset when the server answered a
    /// range (-1 when it sent the whole file), and its declared length (-1
    /// when unknown). Called once before the first data, also for an empty body.
    virtual bool begin(long status, std::int64_t range_start, std::int64_t length) = 0;
    virtual bool data(const char* bytes, std::size_t size) = 0;
};

/// How a transfer ended, as the module classifies it.
enum class Ending {
    ok,           ///< the whole body arrived
    aborted,      ///< the receiver returned false
    transient,    ///< worth retrying: refused, reset, timed out, truncated, 5xx, 408, 429
    permanent,    ///< not worth retrying: 404, too many redirects, a scheme refused
    unresolved,   ///< the host name does not resolve: skip the host for the run
};

struct Outcome {
    std::uint64_t id = 0;
    Ending ending = Ending::ok;
    long status = 0;     ///< the last HTTP status, 0 when none
    std::string reason;  ///< what went wrong, as a short phrase ("HTTP 404", "connection reset")
};

class Session {
public:
    virtual ~Session() = default;
    /// Starts a transfer; `receiver` must live until its outcome is returned.
    virtual void start(std::uint64_t id, const Request& request, Receiver& receiver) = 0;
    /// Runs the transfers until at least one ends or `timeout_ms` passes;
    /// returns those that ended.
    virtual std::vector<Outcome> wait(int timeout_ms) = 0;
    /// Ends a transfer without an outcome.
    virtual void cancel(std::uint64_t id) = 0;
    virtual std::size_t running() const = 0;
};

struct Module {
    unsigned abi;
    std::unique_ptr<Session> (*open_session)();
};

}  // namespace pkg::fetchmod

using pkg_fetch_module_entry = const pkg::fetchmod::Module* (*)();
