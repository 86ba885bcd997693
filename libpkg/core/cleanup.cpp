// Temporaries removed on SIGINT, SIGTERM and SIGHUP. The handler may use
// only async-signal-safe calls: it walks a fixed table of paths copied in
// beforehand and unlinks each.

#include "pkg/cleanup.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "pkg/error.hpp"

namespace pkg {
namespace {

constexpr int kSlots = 64;
constexpr std::size_t kPathBytes = 4096;

struct Slot {
    std::atomic<bool> used{false};   // taken by a RemoveOnSignal
    std::atomic<bool> armed{false};  // path written; the handler may unlink it
    char path[kPathBytes];
};

Slot slots[kSlots];

void on_signal(int signo) {
    for (Slot& s : slots) {
        if (s.armed.load(std::memory_order_acquire)) ::unlink(s.path);
    }
    // SA_RESETHAND restored the default action: die of the same signal.
    ::raise(signo);
}

}  // namespace

RemoveOnSignal::RemoveOnSignal(const std::filesystem::path& path) {
    const std::string& text = path.native();
    if (text.size() >= kPathBytes) throw Error("temporary path too long: {}", text);
    for (int i = 0; i < kSlots; ++i) {
        bool expected = false;
        if (!slots[i].used.compare_exchange_strong(expected, true)) continue;
        std::memcpy(slots[i].path, text.c_str(), text.size() + 1);
        slots[i].armed.store(true, std::memory_order_release);
        slot_ = i;
        return;
    }
    throw Error("more than {} temporary files at once", kSlots);
}

RemoveOnSignal::~RemoveOnSignal() { release(); }

void RemoveOnSignal::release() noexcept {
    if (slot_ < 0) return;
    slots[slot_].armed.store(false, std::memory_order_release);
    slots[slot_].used.store(false, std::memory_order_release);
    slot_ = -1;
}

void remove_temporaries_on_signals() {
    struct sigaction action {};
    action.sa_handler = on_signal;
    action.sa_flags = SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    for (int signo : {SIGINT, SIGTERM, SIGHUP}) {
        sigaddset(&action.sa_mask, signo);
    }
    for (int signo : {SIGINT, SIGTERM, SIGHUP}) {
        struct sigaction old {};
        // A signal the caller ignores (nohup) stays ignored.
        if (::sigaction(signo, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;
        ::sigaction(signo, &action, nullptr);
    }
}

}  // namespace pkg
