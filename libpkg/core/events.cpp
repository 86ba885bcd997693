#include "pkg/events.hpp"

#include <chrono>

namespace pkg {

const char* level_name(Level level) {
    switch (level) {
        case Level::debug: return "debug";
        case Level::info: return "info";
        case Level::warning: return "warning";
        case Level::error: return "error";
    }
    return "info";
}

EventSink::~EventSink() = default;

const char* change_kind_name(Change::Kind kind) {
    switch (kind) {
        case Change::Kind::installed: return "installed";
        case Change::Kind::upgraded: return "upgraded";
        case Change::Kind::downgraded: return "downgraded";
        case Change::Kind::reinstalled: return "reinstalled";
        case Change::Kind::removed: return "removed";
        case Change::Kind::config_new: return "config-new";
        case Change::Kind::config_saved: return "config-saved";
        case Change::Kind::conflict: return "conflict";
        case Change::Kind::ownership_skipped: return "ownership-skipped";
    }
    return "installed";
}

std::string describe_change(const Change& c) {
    switch (c.kind) {
        case Change::Kind::installed: return "installed " + c.package + " " + c.to;
        case Change::Kind::reinstalled: return "reinstalled " + c.package + " " + c.to;
        case Change::Kind::upgraded:
        case Change::Kind::downgraded:
            return std::string(change_kind_name(c.kind)) + " " + c.package + " " + c.from + " -> " + c.to;
        case Change::Kind::removed: return "removed " + c.package + " " + c.from;
        case Change::Kind::config_new:
            return c.package + ": /" + c.path + " was edited: kept, the new one is /" + c.path + ".pkgnew";
        case Change::Kind::config_saved: return c.package + ": the edited configuration is kept as /" + c.path;
        case Change::Kind::conflict: return c.package + ": /" + c.path + ": " + c.text;
        case Change::Kind::ownership_skipped: return c.text;
    }
    return c.text;
}

void EventSink::change(const Change& event) {
    Level level = event.kind == Change::Kind::conflict ? Level::error
                  : event.kind == Change::Kind::config_new || event.kind == Change::Kind::config_saved ||
                          event.kind == Change::Kind::ownership_skipped
                      ? Level::warning
                      : Level::info;
    message({level, describe_change(event)});
}

const char* fetch_kind_name(FetchEvent::Kind kind) {
    switch (kind) {
        case FetchEvent::Kind::started: return "started";
        case FetchEvent::Kind::retried: return "retried";
        case FetchEvent::Kind::failed_over: return "failed-over";
        case FetchEvent::Kind::verified: return "verified";
        case FetchEvent::Kind::failed: return "failed";
    }
    return "started";
}

std::string describe_fetch(const FetchEvent& e) {
    switch (e.kind) {
        case FetchEvent::Kind::started:
            return e.attempt > 1 ? "fetching " + e.file + " from " + e.url + " (attempt " + std::to_string(e.attempt) + ")"
                                 : "fetching " + e.file + " from " + e.url;
        case FetchEvent::Kind::retried: return e.file + ": " + e.url + ": " + e.reason + "; trying again";
        case FetchEvent::Kind::failed_over: return e.file + ": " + e.url + ": " + e.reason;
        case FetchEvent::Kind::verified:
            return e.url.empty() ? e.file + ": verified in the cache" : e.file + ": verified (" + e.url + ")";
        case FetchEvent::Kind::failed: return e.file + ": " + e.reason;
    }
    return e.file;
}

void EventSink::fetch(const FetchEvent& event) {
    Level level = event.kind == FetchEvent::Kind::failed_over || event.kind == FetchEvent::Kind::retried ||
                          event.kind == FetchEvent::Kind::failed
                      ? Level::warning
                      : Level::debug;
    message({level, describe_fetch(event)});
}

const char* build_kind_name(BuildEvent::Kind kind) {
    switch (kind) {
        case BuildEvent::Kind::started: return "started";
        case BuildEvent::Kind::phase: return "phase";
        case BuildEvent::Kind::failed: return "failed";
        case BuildEvent::Kind::warning: return "warning";
        case BuildEvent::Kind::packaged: return "packaged";
        case BuildEvent::Kind::reused: return "reused";
    }
    return "started";
}

std::string describe_build(const BuildEvent& e) {
    switch (e.kind) {
        case BuildEvent::Kind::started: return "building " + e.port + " " + e.text;
        case BuildEvent::Kind::phase: return e.port + ": " + e.phase;
        case BuildEvent::Kind::failed: return e.port + ": " + e.phase + " failed: " + e.text + " (log: " + e.path + ")";
        case BuildEvent::Kind::warning: return e.port + ": " + e.text;
        case BuildEvent::Kind::packaged: return e.port + ": built " + e.path;
        case BuildEvent::Kind::reused: return e.port + ": reusing " + e.path;
    }
    return e.port;
}

void EventSink::build(const BuildEvent& event) {
    // A failure is reported by the error that follows it, with the log's end.
    Level level = event.kind == BuildEvent::Kind::failed    ? Level::debug
                  : event.kind == BuildEvent::Kind::warning ? Level::warning
                                                            : Level::info;
    message({level, describe_build(event)});
}

std::uint64_t EventSink::new_task_id() {
    static std::atomic<std::uint64_t> next{1};
    return next.fetch_add(1, std::memory_order_relaxed);
}

ProgressTask::ProgressTask(EventSink& sink, std::string label, std::string unit,
                           std::uint64_t total)
    : sink_(sink) {
    state_.task = EventSink::new_task_id();
    state_.label = std::move(label);
    state_.unit = std::move(unit);
    state_.total = total;
    send(false);
}

ProgressTask::~ProgressTask() {
    if (!state_.finished) {
        try {
            send(true);
        } catch (...) {
            // A destructor must not throw; the task is over either way.
        }
    }
}

void ProgressTask::advance(std::uint64_t amount) {
    if (state_.finished) return;  // the last event of a task is its finished one
    state_.done += amount;
    if (interval_ns_ > 0) {
        std::int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
        if (started_ns_ == 0) started_ns_ = now;
        advanced_ += amount;
        if (now - last_sent_ns_ < interval_ns_ && state_.done != state_.total) return;
        last_sent_ns_ = now;
        // A rate once there is a second's worth of it: earlier figures jump.
        if (now - started_ns_ >= 1'000'000'000) {
            state_.rate = static_cast<std::uint64_t>(static_cast<double>(advanced_) * 1e9 /
                                                     static_cast<double>(now - started_ns_));
        }
    }
    send(false);
}

void ProgressTask::set_total(std::uint64_t total) {
    if (state_.finished) return;
    state_.total = total;
    send(false);
}

void ProgressTask::set_done(std::uint64_t done) {
    if (state_.finished || state_.done == done) return;
    state_.done = done;
    send(false);
}

void ProgressTask::finish() {
    if (state_.finished) return;
    send(true);
}

void ProgressTask::fail() {
    if (state_.finished) return;
    state_.failed = true;
    send(true);
}

void ProgressTask::send(bool finished) {
    state_.finished = finished;
    sink_.progress(state_);
}

}  // namespace pkg
