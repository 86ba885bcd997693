// A visitor on a thread of its own (package_io.hpp, PipelinedVisitor): the
// reader hands over batches of members and their data; the thread plays
// them to the other visitor in order.

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>

#include "pkg/package/package_io.hpp"

namespace pkg {
namespace {

// A batch is handed over at this many members or bytes (one hand-over per
// member would cost a wake-up of the thread each), and the reader waits
// while this much is queued.
constexpr std::size_t kBatchMembers = 128;
constexpr std::size_t kBatchBytes = 1 << 20;
constexpr std::size_t kQueuedBytes = 16 << 20;

struct Event {
    enum class Kind : char { begin, data, end, finished } kind;
    std::size_t entry;   ///< begin: its entry in the batch
    std::size_t offset;  ///< data: where its bytes are in the batch
    std::size_t size;
};

// Members are copied: the reader's manifest is gone when a failed read
// unwinds, perhaps before the thread has stopped.
struct Batch {
    std::vector<Event> events;
    std::vector<PackageEntry> entries;
    std::vector<char> bytes;
    std::size_t members = 0;
};

}  // namespace

struct PipelinedVisitor::Shared {
    std::mutex mutex;
    std::condition_variable changed;
    std::deque<Batch> queue;
    std::size_t queued_bytes = 0;
    bool last = false;      ///< the reader handed over its last batch
    bool stop = false;      ///< the reader gave up: drop what is queued
    bool all_done = false;  ///< the thread played everything
    std::exception_ptr error;
    std::atomic<bool> failed{false};
    Batch filling;  ///< the reader's own, until handed over
    std::thread thread;
    bool direct = false;  ///< no thread: every call goes straight to the other visitor

    void play(PackageVisitor& inner) {
        PackageEntry current;  // a member's data and end may come in a later batch than its begin
        for (;;) {
            Batch batch;
            {
                std::unique_lock lock(mutex);
                changed.wait(lock, [&] { return stop || !queue.empty() || last; });
                if (stop) return;
                if (queue.empty()) {
                    all_done = true;
                    changed.notify_all();
                    return;
                }
                batch = std::move(queue.front());
                queue.pop_front();
                queued_bytes -= batch.bytes.size();
                changed.notify_all();
            }
            try {
                for (const Event& e : batch.events) {
                    switch (e.kind) {
                        case Event::Kind::begin:
                            current = std::move(batch.entries[e.entry]);
                            inner.begin(current);
                            break;
                        case Event::Kind::data: inner.data(current, batch.bytes.data() + e.offset, e.size); break;
                        case Event::Kind::end: inner.end(current); break;
                        case Event::Kind::finished: inner.finished(); break;
                    }
                }
            } catch (...) {
                std::lock_guard lock(mutex);
                error = std::current_exception();
                failed = true;
                changed.notify_all();
                return;
            }
        }
    }
};

PipelinedVisitor::PipelinedVisitor(PackageVisitor& inner) : inner_(inner), shared_(std::make_unique<Shared>()) {
    try {
        shared_->thread = std::thread([this] { shared_->play(inner_); });
    } catch (const std::system_error&) {
        shared_->direct = true;  // no thread to be had (a process limit): the reader's thread plays it all
    }
}

PipelinedVisitor::~PipelinedVisitor() {
    {
        std::lock_guard lock(shared_->mutex);
        shared_->stop = true;
        shared_->changed.notify_all();
    }
    if (shared_->thread.joinable()) shared_->thread.join();
}

// Not passed on: the thread may still be playing an earlier package, and
// the reader's manifest is gone by the time it would reach this one.
void PipelinedVisitor::manifest(const PackageManifest&) {}

void PipelinedVisitor::begin(const PackageEntry& e) {
    if (shared_->direct) return inner_.begin(e);
    if (shared_->failed) publish(false);  // rethrows the thread's error
    Batch& b = shared_->filling;
    b.events.push_back({Event::Kind::begin, b.entries.size(), 0, 0});
    b.entries.push_back(e);
    ++b.members;
}

void PipelinedVisitor::data(const PackageEntry& e, const void* bytes, std::size_t size) {
    if (shared_->direct) return inner_.data(e, bytes, size);
    Batch& b = shared_->filling;
    std::size_t at = b.bytes.size();
    b.bytes.resize(at + size);
    std::memcpy(b.bytes.data() + at, bytes, size);
    b.events.push_back({Event::Kind::data, 0, at, size});
    if (b.bytes.size() >= kBatchBytes) publish(false);
}

void PipelinedVisitor::end(const PackageEntry& e) {
    if (shared_->direct) return inner_.end(e);
    Batch& b = shared_->filling;
    b.events.push_back({Event::Kind::end, 0, 0, 0});
    if (b.members >= kBatchMembers || shared_->failed) publish(false);
}

// A package ends; the next one may follow through the same thread.
void PipelinedVisitor::finished() {
    if (shared_->direct) return inner_.finished();
    shared_->filling.events.push_back({Event::Kind::finished, 0, 0, 0});
    publish(false);
}

void PipelinedVisitor::wait() {
    if (shared_->direct) return;
    publish(true);
    std::exception_ptr error;
    {
        std::unique_lock lock(shared_->mutex);
        shared_->changed.wait(lock, [&] { return shared_->all_done || shared_->error; });
        error = shared_->error;
    }
    if (shared_->thread.joinable()) shared_->thread.join();
    if (error) std::rethrow_exception(error);
}

void PipelinedVisitor::publish(bool last) {
    Shared& s = *shared_;
    std::unique_lock lock(s.mutex);
    s.changed.wait(lock, [&] { return s.error || s.queued_bytes < kQueuedBytes; });
    if (s.error) {
        if (last) return;  // wait() rethrows it
        std::rethrow_exception(s.error);
    }
    s.queued_bytes += s.filling.bytes.size();
    s.queue.push_back(std::move(s.filling));
    s.filling = Batch{};
    s.last = last;
    s.changed.notify_all();
}

}  // namespace pkg
