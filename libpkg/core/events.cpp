#include "pkg/events.hpp"

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
    send(false);
}

void ProgressTask::set_total(std::uint64_t total) {
    if (state_.finished) return;
    state_.total = total;
    send(false);
}

void ProgressTask::finish() {
    if (state_.finished) return;
    send(true);
}

void ProgressTask::send(bool finished) {
    state_.finished = finished;
    sink_.progress(state_);
}

}  // namespace pkg
