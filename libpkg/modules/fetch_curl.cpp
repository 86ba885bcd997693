// The fetch module: transfers over libcurl's multi interface, driven by the
// caller's thread (no threads of our own). Only http, https, ftp and file;
// redirects only to http and https, at most as many as asked.

#include <curl/curl.h>
#include <strings.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>

#include "fetch_abi.hpp"
#include "pkg/error.hpp"

namespace pkg::fetchmod {
namespace {

struct Transfer {
    std::uint64_t id = 0;
    CURL* easy = nullptr;
    Receiver* receiver = nullptr;
    bool begun = false;
    bool range_asked = false;
    std::int64_t range_start = -1;  // from the last response's Content-Range
    char error[CURL_ERROR_SIZE] = {};
};

// "bytes 100-199/200" -> 100; -1 when it is not such a header.
std::int64_t parse_content_range(const char* value, size_t size) {
    std::string text(value, size);
    for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const std::string prefix = "content-range:";
    if (text.rfind(prefix, 0) != 0) return -1;
    size_t at = text.find("bytes", prefix.size());
    if (at == std::string::npos) return -1;
    at += 5;
    while (at < text.size() && text[at] == ' ') ++at;
    std::int64_t start = 0;
    bool digits = false;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
        if (start > (INT64_MAX - 9) / 10) return -1;
        start = start * 10 + (text[at++] - '0');
        digits = true;
    }
    return digits && at < text.size() && text[at] == '-' ? start : -1;
}

size_t on_header(char* buffer, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    size_t n = size * count;
    // A new status line starts a new response (a redirect, a 100 Continue):
    // only the last one's Content-Range counts.
    if (n >= 5 && std::memcmp(buffer, "HTTP/", 5) == 0) t->range_start = -1;
    std::int64_t start = parse_content_range(buffer, n);
    if (start >= 0) t->range_start = start;
    return n;
}

bool begin(Transfer* t) {
    if (t->begun) return true;
    t->begun = true;
    long status = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    char* scheme = nullptr;
    curl_easy_getinfo(t->easy, CURLINFO_SCHEME, &scheme);
    bool http = scheme && (strcasecmp(scheme, "http") == 0 || strcasecmp(scheme, "https") == 0);
    curl_off_t length = -1;
    curl_easy_getinfo(t->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
    std::int64_t range_start = t->range_start;
    // file and ftp either honour a range or fail: the body starts where asked.
    if (!http) {
        status = 0;
        range_start = t->range_asked ? 0 : -1;
    } else if (status != 206) {
        range_start = -1;
    }
    return t->receiver->begin(status, range_start, length);
}

size_t on_data(char* buffer, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    size_t n = size * count;
    if (!begin(t)) return CURL_WRITEFUNC_ERROR;
    if (n == 0) return 0;
    return t->receiver->data(buffer, n) ? n : CURL_WRITEFUNC_ERROR;
}

Outcome classify(Transfer& t, CURLcode code) {
    Outcome o;
    o.id = t.id;
    curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &o.status);
    auto text = [&](const char* fallback) {
        return t.error[0] ? std::string(t.error) : std::string(fallback);
    };
    switch (code) {
        case CURLE_OK:
            o.ending = begin(&t) ? Ending::ok : Ending::aborted;
            return o;
        case CURLE_WRITE_ERROR:
            o.ending = Ending::aborted;
            o.reason = "stopped by pkg";
            return o;
        case CURLE_HTTP_RETURNED_ERROR:
            o.reason = fmt::format("HTTP {}", o.status);
            o.ending = o.status >= 500 || o.status == 408 || o.status == 429 ? Ending::transient
                                                                              : Ending::permanent;
            return o;
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
            o.ending = Ending::unresolved;
            o.reason = text("host not found");
            return o;
        case CURLE_COULDNT_CONNECT:
        case CURLE_OPERATION_TIMEDOUT:
        case CURLE_RECV_ERROR:
        case CURLE_SEND_ERROR:
        case CURLE_PARTIAL_FILE:
        case CURLE_GOT_NOTHING:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_FTP_ACCEPT_TIMEOUT:
        case CURLE_FTP_CANT_GET_HOST:
        case CURLE_FTP_WEIRD_SERVER_REPLY:
        case CURLE_AGAIN:
            o.ending = Ending::transient;
            o.reason = text(curl_easy_strerror(code));
            return o;
        case CURLE_TOO_MANY_REDIRECTS:
            o.ending = Ending::permanent;
            o.reason = "too many redirects";
            return o;
        case CURLE_UNSUPPORTED_PROTOCOL:
            o.ending = Ending::permanent;
            o.reason = text("scheme not allowed");
            return o;
        default:
            o.ending = Ending::permanent;
            o.reason = text(curl_easy_strerror(code));
            return o;
    }
}

class CurlSession final : public Session {
public:
    CurlSession() {
        static std::once_flag once;
        static CURLcode global = CURLE_OK;
        std::call_once(once, [] { global = curl_global_init(CURL_GLOBAL_DEFAULT); });
        if (global != CURLE_OK) throw Error("cannot start libcurl: {}", curl_easy_strerror(global));
        multi_ = curl_multi_init();
        if (!multi_) throw Error("cannot start libcurl: out of memory");
    }
    ~CurlSession() override {
        for (auto& [id, t] : transfers_) {
            curl_multi_remove_handle(multi_, t.easy);
            curl_easy_cleanup(t.easy);
        }
        curl_multi_cleanup(multi_);
    }

    void start(std::uint64_t id, const Request& r, Receiver& receiver) override {
        if (transfers_.count(id)) throw Error("transfer {} started twice", id);
        Transfer& t = transfers_[id];
        t.id = id;
        t.receiver = &receiver;
        t.easy = curl_easy_init();
        if (!t.easy) {
            transfers_.erase(id);
            throw Error("cannot start a transfer of {}: out of memory", r.url);
        }
        CURL* e = t.easy;
        curl_easy_setopt(e, CURLOPT_URL, r.url.c_str());
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https,ftp,file");
        curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(e, CURLOPT_MAXREDIRS, r.max_redirects);
        curl_easy_setopt(e, CURLOPT_FAILONERROR, 1L);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, r.connect_timeout_ms);
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, r.low_speed_limit);
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, r.low_speed_time);
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.error);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
        curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);
        // Sources are compressed already; a server that compresses again
        // would change what the digest is taken over.
        curl_easy_setopt(e, CURLOPT_HTTP_CONTENT_DECODING, 0L);
        if (!r.user_agent.empty()) curl_easy_setopt(e, CURLOPT_USERAGENT, r.user_agent.c_str());
        std::string range;
        if (r.offset > 0) {
            // CURLOPT_RANGE, not RESUME_FROM: a server that ignores the range
            // then answers 200 with the whole file, which we take from the
            // start, where RESUME_FROM would fail the transfer.
            range = std::to_string(r.offset) + "-";
            curl_easy_setopt(e, CURLOPT_RANGE, range.c_str());  // copied by libcurl
            t.range_asked = true;
        }
        CURLMcode rc = curl_multi_add_handle(multi_, e);
        if (rc != CURLM_OK) {
            curl_easy_cleanup(e);
            transfers_.erase(id);
            throw Error("cannot start a transfer of {}: {}", r.url, curl_multi_strerror(rc));
        }
    }

    std::vector<Outcome> wait(int timeout_ms) override {
        std::vector<Outcome> done;
        for (;;) {
            int still = 0;
            CURLMcode rc = curl_multi_perform(multi_, &still);
            if (rc != CURLM_OK) throw Error("libcurl failed: {}", curl_multi_strerror(rc));
            collect(done);
            if (!done.empty() || transfers_.empty() || timeout_ms <= 0) return done;
            // One poll for at most the time left; libcurl wakes it for its own timers.
            rc = curl_multi_poll(multi_, nullptr, 0, timeout_ms, nullptr);
            if (rc != CURLM_OK) throw Error("libcurl failed: {}", curl_multi_strerror(rc));
            timeout_ms = 0;  // once more through perform, then return what ended
        }
    }

    void cancel(std::uint64_t id) override {
        auto it = transfers_.find(id);
        if (it == transfers_.end()) return;
        curl_multi_remove_handle(multi_, it->second.easy);
        curl_easy_cleanup(it->second.easy);
        transfers_.erase(it);
    }

    std::size_t running() const override { return transfers_.size(); }

private:
    void collect(std::vector<Outcome>& done) {
        int left = 0;
        while (CURLMsg* m = curl_multi_info_read(multi_, &left)) {
            if (m->msg != CURLMSG_DONE) continue;
            auto it = std::find_if(transfers_.begin(), transfers_.end(),
                                   [&](auto& entry) { return entry.second.easy == m->easy_handle; });
            if (it == transfers_.end()) continue;
            CURLcode code = m->data.result;
            done.push_back(classify(it->second, code));
            curl_multi_remove_handle(multi_, it->second.easy);
            curl_easy_cleanup(it->second.easy);
            transfers_.erase(it);
        }
    }

    CURLM* multi_ = nullptr;
    std::map<std::uint64_t, Transfer> transfers_;  // std::map: a Transfer's address never moves
};

std::unique_ptr<Session> open_session() { return std::make_unique<CurlSession>(); }

const Module kModule = {kAbi, open_session};

}  // namespace
}  // namespace pkg::fetchmod

extern "C" __attribute__((visibility("default"))) const pkg::fetchmod::Module* pkg_fetch_module_v1() {
    return &pkg::fetchmod::kModule;
}
