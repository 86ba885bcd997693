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
