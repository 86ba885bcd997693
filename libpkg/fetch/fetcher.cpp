// The fetch loop: one thread (the caller's) drives every download through
// the fetch module's session; no thread of pkg's own is started, so a build
// may fork its sandbox afterwards (DESIGN.md, "The sandbox").

#include "pkg/fetch/fetcher.hpp"

#include <poll.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <set>

#include "download.hpp"
#include "fetch_abi.hpp"
#include "pkg/error.hpp"
#include "pkg/fetch/distfile_cache.hpp"
#include "pkg/file_read.hpp"
#include "pkg/module.hpp"

namespace pkg {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

const fetchmod::Module& fetch_module() {
    static const fetchmod::Module* loaded = [] {
        auto entry = reinterpret_cast<pkg_fetch_module_entry>(module_symbol("fetch", "pkg_fetch_module_v1"));
        const fetchmod::Module* m = entry();
        if (m->abi != fetchmod::kAbi) {
            throw Error("fetch module speaks interface {}, libpkg {}", m->abi, fetchmod::kAbi);
        }
        return m;
    }();
    return *loaded;
}

// "https://host:port/path" -> "host:port"; "" for file: URLs.
std::string host_of(const std::string& url) {
    size_t scheme = url.find("://");
    if (scheme == std::string::npos) return "";
    size_t start = scheme + 3;
    size_t end = url.find_first_of("/?#", start);
    std::string authority = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
    size_t at = authority.rfind('@');
    return at == std::string::npos ? authority : authority.substr(at + 1);
}

std::string debian_origin_name(const DebianArtifact& d) { return "debian:" + d.source + "=" + d.version; }

// What is wrong with a file: URL's target, "" when it is a regular file.
// libcurl would read a FIFO forever and /dev/zero up to the cap: neither
// is a distfile.
std::string file_url_problem(const std::string& url) {
    if (url.rfind("file://", 0) != 0) return "";
    std::string encoded = url.substr(7);
    if (encoded.rfind("localhost/", 0) == 0) encoded = encoded.substr(9);
    std::string path;
    for (size_t i = 0; i < encoded.size(); ++i) {
        if (encoded[i] == '%' && i + 2 < encoded.size() && std::isxdigit(static_cast<unsigned char>(encoded[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(encoded[i + 2]))) {
            path += static_cast<char>(std::stoi(encoded.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            path += encoded[i];
        }
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return std::strerror(errno);
    if (!S_ISREG(st.st_mode)) return fmt::format("{} is {}, not a file", path, file_type_name(st.st_mode));
    return "";
}

}  // namespace

// One request's way through its origins.
struct Job {
    enum class State { need_lock, ready, running, debian, done, failed };
    const FetchRequest* request = nullptr;
    State state = State::need_lock;
    size_t artifact = 0;
    size_t url = 0;
    unsigned attempt = 0;  // of the current URL
    bool began = false;
    Clock::time_point not_before{};
    Clock::time_point first_try{};
    std::optional<DistfileLock> lock;
    std::unique_ptr<Download> download;
    std::unique_ptr<ProgressTask> progress;
    std::vector<std::string> failures;  // "ORIGIN: what went wrong"
    FetchResult result;

    const SourceArtifact& current() const { return request->artifacts[artifact]; }
};

struct Fetcher::Run {
    Fetcher& f;
    DistfileCache cache;
    std::unique_ptr<fetchmod::Session> session;
    std::vector<Job> jobs;
    std::set<std::string> dead_hosts;
    std::unique_ptr<ProgressTask> overall;
    std::uint64_t next_id = 1;
    std::map<std::uint64_t, Job*> running;

    Run(Fetcher& fetcher) : f(fetcher), cache(fetcher.settings_.cache_dir) {}

    const FetchConfig& config() const { return f.settings_.config; }

    std::uint64_t cap(const SourceArtifact& a) const { return a.size ? *a.size : config().max_size; }

    void event(FetchEvent::Kind kind, const Job& job, std::string url, std::string reason = {},
               std::uint64_t bytes = 0) {
        FetchEvent e;
        e.kind = kind;
        e.file = job.current().file;
        e.url = std::move(url);
        e.reason = std::move(reason);
        e.bytes = bytes;
        e.attempt = job.attempt;
        f.events_.fetch(e);
    }

    // The artifact's lock is held: a verified copy in the cache ends the job.
    void locked(Job& job) {
        const SourceArtifact& a = job.current();
        if (!a.digest.empty()) {
            std::string why;
            if (cache.verify(a.file, a.algorithm, a.digest, a.size, why)) {
                return succeed(job, cache.path(a.file), a.digest, true);
            }
            if (!why.empty()) {
                f.events_.message({Level::warning,
                                   fmt::format("{}: the cached copy failed verification and was removed: {}",
                                               a.file, why)});
            }
        } else if (!f.settings_.allow_unpinned) {
            job.failures.push_back(fmt::format("{}: no pinned {} digest (pin one with pkg checksum)", a.file,
                                               digest_name(a.algorithm)));
            return next_artifact(job);
        }
        job.url = 0;
        job.attempt = 0;
        skip_dead_urls(job);
    }

    void skip_dead_urls(Job& job) {
        const SourceArtifact& a = job.current();
        while (job.url < a.urls.size() && dead_hosts.count(host_of(a.urls[job.url]))) {
            job.failures.push_back(fmt::format("{}: host not found earlier in this run", a.urls[job.url]));
            ++job.url;
        }
        job.attempt = 0;
        if (job.url < a.urls.size()) {
            job.state = Job::State::ready;
            job.not_before = {};
        } else if (a.debian && f.settings_.debian) {
            job.state = Job::State::debian;
        } else {
            next_artifact(job);
        }
    }

    void next_artifact(Job& job) {
        job.lock.reset();
        job.download.reset();
        // Each artifact is a task of its own: this one ends as failed.
        if (job.progress) job.progress->fail();
        job.progress.reset();
        if (job.artifact + 1 >= job.request->artifacts.size()) return fail(job);
        ++job.artifact;
        job.state = Job::State::need_lock;
    }

    void next_origin(Job& job, const std::string& origin, const std::string& reason) {
        job.failures.push_back(origin + ": " + reason);
        event(FetchEvent::Kind::failed_over, job, origin, reason);
        if (job.state == Job::State::debian) return next_artifact(job);
        ++job.url;
        skip_dead_urls(job);
    }

    void succeed(Job& job, const fs::path& file, const std::string& digest, bool cached) {
        const SourceArtifact& a = job.current();
        job.result.file = file;
        job.result.alternative = a.alternative;
        job.result.algorithm = a.algorithm;
        job.result.digest = digest;
        job.result.cached = cached;
        std::error_code ec;
        job.result.size = fs::file_size(file, ec);
        job.state = Job::State::done;
        event(FetchEvent::Kind::verified, job, cached ? "" : job.result.file.string(), {}, job.result.size);
        if (job.progress) job.progress->finish();
        job.lock.reset();
        job.download.reset();
    }

    void fail(Job& job) {
        job.state = Job::State::failed;
        FetchEvent e;
        e.kind = FetchEvent::Kind::failed;
        e.file = job.current().file;
        e.reason = "every origin failed";
        f.events_.fetch(e);
        if (job.progress) job.progress->fail();
        job.lock.reset();
        job.download.reset();
    }

    bool past_deadline(const Job& job) const {
        return config().deadline > 0 && job.began &&
               Clock::now() - job.first_try > std::chrono::seconds(config().deadline);
    }

    void start(Job& job) {
        const SourceArtifact& a = job.current();
        const std::string& url = a.urls[job.url];
        if (std::string problem = file_url_problem(url); !problem.empty()) {
            job.state = Job::State::ready;
            return next_origin(job, url, problem);
        }
        if (!job.began) {
            job.began = true;
            job.first_try = Clock::now();
        }
        ++job.attempt;
        job.download = std::make_unique<Download>(cache.part(a.file), a.algorithm, cap(a), true);
        if (!job.progress) {
            job.progress = std::make_unique<ProgressTask>(f.events_, a.file, "bytes", a.size.value_or(0));
            job.progress->throttle(200);
        }
        job.download->report_to(job.progress.get(), overall.get());
        fetchmod::Request r;
        r.url = url;
        r.offset = job.download->offset();
        r.connect_timeout_ms = static_cast<long>(config().connect_timeout) * 1000;
        r.low_speed_limit = static_cast<long>(std::min<std::uint64_t>(config().low_speed_limit, LONG_MAX));
        r.low_speed_time = static_cast<long>(config().low_speed_time);
        r.user_agent = f.settings_.user_agent;
        std::uint64_t id = next_id++;
        event(FetchEvent::Kind::started, job, url);
        session->start(id, r, *job.download);
        running[id] = &job;
        job.state = Job::State::running;
    }

    void ended(Job& job, const fetchmod::Outcome& o) {
        const SourceArtifact& a = job.current();
        const std::string url = a.urls[job.url];
        Download& d = *job.download;
        switch (o.ending) {
            case fetchmod::Ending::ok: return arrived(job, url);
            case fetchmod::Ending::aborted:
                if (d.stop_is_transient()) return retry(job, url, d.stop_reason());
                d.discard();
                return next_origin(job, url, d.stop_reason().empty() ? o.reason : d.stop_reason());
            case fetchmod::Ending::transient: return retry(job, url, o.reason);
            case fetchmod::Ending::unresolved:
                dead_hosts.insert(host_of(url));
                return next_origin(job, url, o.reason);
            case fetchmod::Ending::permanent:
                if (o.status == 416 && d.offset() > 0) {
                    // The part may be whole already: check it before starting over.
                    std::string got = d.finish();
                    if (!a.digest.empty() && got == a.digest && (!a.size || d.bytes() == *a.size)) {
                        job.download.reset();
                        cache.publish(a.file);
                        return succeed(job, cache.path(a.file), got, false);
                    }
                    d.discard();
                    return retry(job, url, "HTTP 416 for the rest of a part that was not the file");
                }
                return next_origin(job, url, o.reason);
        }
    }

    void arrived(Job& job, const std::string& url) {
        const SourceArtifact& a = job.current();
        Download& d = *job.download;
        std::string got = d.finish();
        if (a.digest.empty() && f.settings_.allow_unpinned) {
            job.download.reset();
            cache.publish(a.file);
            return succeed(job, cache.path(a.file), got, false);
        }
        std::string problem;
        if (got != a.digest) {
            problem = fmt::format("{} mismatch: expected {}, got {}", digest_name(a.algorithm), a.digest, got);
        } else if (a.size && d.bytes() != *a.size) {
            problem = fmt::format("size mismatch: expected {} bytes, got {}", *a.size, d.bytes());
        }
        if (!problem.empty()) {
            d.discard();
            return next_origin(job, url, problem);
        }
        job.download.reset();
        cache.publish(a.file);
        succeed(job, cache.path(a.file), got, false);
    }

    void retry(Job& job, const std::string& url, const std::string& reason) {
        if (job.attempt > config().retries || past_deadline(job)) {
            return next_origin(job, url, job.attempt > 1 ? fmt::format("{} (after {} attempts)", reason, job.attempt)
                                                          : reason);
        }
        event(FetchEvent::Kind::retried, job, url, reason);
        auto pause = std::chrono::seconds(config().backoff) * (1u << std::min(job.attempt - 1, 10u));
        job.not_before = Clock::now() + pause;
        job.state = Job::State::ready;
        job.download.reset();
    }

    void debian(Job& job) {
        const SourceArtifact& a = job.current();
        std::string origin = debian_origin_name(*a.debian);
        if (!job.began) {
            job.began = true;
            job.first_try = Clock::now();
        }
        job.attempt = 1;
        event(FetchEvent::Kind::started, job, origin);
        std::string scratch_template = (cache.dir() / ".debian-XXXXXX").string();
        if (!::mkdtemp(scratch_template.data())) {
            throw SystemError{errno, cache.dir(), "cannot make a directory in {}", cache.dir().string()};
        }
        fs::path scratch = scratch_template;
        struct Remove {
            fs::path dir;
            ~Remove() {
                std::error_code ec;
                fs::remove_all(dir, ec);
            }
        } remove{scratch};
        fs::path got_file;
        try {
            got_file = f.settings_.debian(a, scratch);
        } catch (const Error& e) {
            return next_origin(job, origin, e.what());
        }
        std::error_code ec;
        fs::rename(got_file, cache.part(a.file), ec);
        if (ec) throw SystemError{ec.value(), got_file, "cannot move {} into the cache", got_file.string()};
        Download check(cache.part(a.file), a.algorithm, cap(a), true);
        std::string digest = check.finish();
        if (digest != a.digest && !(a.digest.empty() && f.settings_.allow_unpinned)) {
            check.discard();
            return next_origin(job, origin,
                               fmt::format("{} mismatch: expected {}, got {}", digest_name(a.algorithm), a.digest, digest));
        }
        if (a.size && check.bytes() != *a.size) {
            check.discard();
            return next_origin(job, origin, fmt::format("size mismatch: expected {} bytes, got {}", *a.size, check.bytes()));
        }
        if (!job.progress) job.progress = std::make_unique<ProgressTask>(f.events_, a.file, "bytes", check.bytes());
        job.progress->set_done(check.bytes());
        if (overall) overall->advance(check.bytes());
        cache.publish(a.file);
        succeed(job, cache.path(a.file), digest, false);
    }

    // The soonest a ready job may start, if one waits.
    std::optional<Clock::time_point> soonest_ready() const {
        std::optional<Clock::time_point> t;
        for (const auto& job : jobs) {
            if (job.state == Job::State::ready && (!t || job.not_before < *t)) t = job.not_before;
        }
        return t;
    }

    void loop() {
        for (;;) {
            bool lock_waiting = false;
            for (auto& job : jobs) {
                if (job.state != Job::State::need_lock) continue;
                if (auto lock = cache.try_lock(job.current().file)) {
                    job.lock.emplace(std::move(*lock));
                    locked(job);
                } else {
                    lock_waiting = true;
                }
            }
            auto now = Clock::now();
            for (auto& job : jobs) {
                if (running.size() >= std::max(1u, f.settings_.jobs)) break;
                if (job.state == Job::State::ready && job.not_before <= now) start(job);
            }
            if (running.empty()) {
                auto debian_job = std::find_if(jobs.begin(), jobs.end(),
                                               [](const Job& j) { return j.state == Job::State::debian; });
                if (debian_job != jobs.end()) {
                    debian(*debian_job);  // apt runs alone: no transfer waits behind it
                    continue;
                }
            }
            auto soonest = soonest_ready();
            if (running.empty() && !soonest) {
                if (!lock_waiting) return;
                // Only jobs whose file another process is fetching are left,
                // and we hold no lock: wait for the first.
                for (auto& job : jobs) {
                    if (job.state != Job::State::need_lock) continue;
                    job.lock.emplace(cache.lock(job.current().file));
                    locked(job);
                    break;
                }
                continue;
            }
            int timeout = 1000;
            if (soonest) {
                auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*soonest - Clock::now()).count();
                timeout = static_cast<int>(std::clamp<long long>(left, 0, 1000));
            }
            if (lock_waiting) timeout = std::min(timeout, 100);
            if (running.empty()) {
                ::poll(nullptr, 0, timeout);  // a backoff: nothing else to do meanwhile
                continue;
            }
            for (const auto& o : session->wait(timeout)) {
                auto it = running.find(o.id);
                if (it == running.end()) continue;
                Job& job = *it->second;
                running.erase(it);
                ended(job, o);
            }
        }
    }
};

Fetcher::Fetcher(FetchSettings settings, EventSink& events) : settings_(std::move(settings)), events_(events) {}

Fetcher::~Fetcher() = default;

std::vector<FetchOutcome> Fetcher::fetch_each(const std::vector<FetchRequest>& requests) {
    Run run(*this);
    for (const auto& request : requests) {
        if (request.artifacts.empty()) throw VerificationError("{}: a source with nothing to fetch", request.label);
        for (const auto& a : request.artifacts) check_distfile_name(a.file);
    }
    run.jobs.resize(requests.size());
    std::uint64_t total = 0;
    for (size_t i = 0; i < requests.size(); ++i) {
        run.jobs[i].request = &requests[i];
        total += requests[i].artifacts[0].size.value_or(0);
    }
    run.session = fetch_module().open_session();
    if (requests.size() > 1) {
        run.overall = std::make_unique<ProgressTask>(events_, "all downloads", "bytes", total);
        run.overall->throttle(200);
    }
    run.loop();
    std::vector<FetchOutcome> out;
    bool all = true;
    for (auto& job : run.jobs) {
        FetchOutcome o;
        if (job.state == Job::State::done) o.result = job.result;
        else all = false;
        o.failures = std::move(job.failures);
        out.push_back(std::move(o));
    }
    if (run.overall) {
        if (all) run.overall->finish(); else run.overall->fail();
    }
    return out;
}

std::vector<FetchResult> Fetcher::fetch(const std::vector<FetchRequest>& requests) {
    std::vector<FetchOutcome> outcomes = fetch_each(requests);
    std::vector<FetchResult> out;
    std::vector<std::string> failed;
    for (size_t i = 0; i < outcomes.size(); ++i) {
        if (outcomes[i].result) {
            out.push_back(*outcomes[i].result);
            continue;
        }
        std::string list;
        for (const auto& failure : outcomes[i].failures) list += (list.empty() ? "" : "; ") + failure;
        failed.push_back(fmt::format("{} ({}): {}", requests[i].artifacts[0].file, requests[i].label, list));
    }
    if (!failed.empty()) {
        std::string all;
        for (const auto& line : failed) all += (all.empty() ? "" : "; ") + line;
        throw with_hint(VerificationError("cannot fetch {} of {} sources: {}", failed.size(), requests.size(), all),
                        "check the URLs and digests in the ports, or add a mirror in pkg.conf");
    }
    return out;
}

}  // namespace pkg
