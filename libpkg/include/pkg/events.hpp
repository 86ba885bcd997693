#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "pkg/export.hpp"

namespace pkg {

/// How important a message is. The frontend shows `info` and above by default,
/// `debug` with -v, only `warning` and above with -q.
enum class Level { debug, info, warning, error };

PKG_API const char* level_name(Level level);

/// One step of a long task. Several tasks may run at once (parallel
/// downloads): each has its own id. `total` is 0 when unknown; the last event
/// of a task has `finished` set.
struct Progress {
    std::uint64_t task = 0;
    std::string label;  ///< what is being done: "zlib-1.3.tar.gz"
    std::string unit;   ///< "bytes", "files", "packages"
    std::uint64_t done = 0;
    std::uint64_t total = 0;
    bool finished = false;
    bool failed = false;  ///< with `finished`: the task ended without doing its work
    std::uint64_t rate = 0;  ///< units a second so far, 0 when not measured (throttled tasks measure it)
};

struct Message {
    Level level = Level::info;
    std::string text;
};

/// A yes/no question. `default_answer` is what a caller without a terminal
/// gets; a question whose safe answer is "no" says so here.
struct Question {
    std::string text;
    bool default_answer = false;
};

/// What a transaction did to a package or a path, with its subjects, so
/// that --json consumers need not parse messages.
struct Change {
    enum class Kind {
        installed,           ///< package, to
        upgraded,            ///< package, from, to
        downgraded,          ///< package, from, to
        reinstalled,         ///< package, to
        removed,             ///< package, from
        config_new,          ///< package, path: the user's edited file kept, the new one at path.pkgnew
        config_saved,        ///< package, path: an edited file kept as path (a .pkgsave)
        conflict,            ///< package, path, text: a conflict the transaction refused
        ownership_skipped,   ///< text: files were not chowned (the caller is not root)
    };
    Kind kind = Kind::installed;
    std::string package;
    std::string from;
    std::string to;
    std::string path;  ///< relative to the root
    std::string text;
};

/// What a download did, with its subjects (DESIGN.md: typed events).
struct FetchEvent {
    enum class Kind {
        started,      ///< file, url: a download began (attempt > 1: a retry)
        retried,      ///< file, url, reason: a transient failure; tried again after a pause
        failed_over,  ///< file, url, reason: this origin failed; the next one is tried
        verified,     ///< file, url (empty: found in the cache), bytes: the digest matched
        failed,       ///< file, reason: every origin failed
    };
    Kind kind = Kind::started;
    std::string file;  ///< the distfile's saved name
    std::string url;   ///< the origin (a URL, or "debian:SOURCE=VERSION")
    std::string reason;
    std::uint64_t bytes = 0;
    unsigned attempt = 1;
};

/// What a build did, with its subjects (DESIGN.md: typed events).
struct BuildEvent {
    enum class Kind {
        started,   ///< port, text (version): a build began
        phase,     ///< port, phase, path (its log): a phase began
        failed,    ///< port, phase, path (its log), text (why)
        warning,   ///< port, text: a packaging check's warning
        packaged,  ///< port, path (the package): the build ended
        reused,    ///< port, path (the package): built before from the same port hash and toolchain
    };
    Kind kind = Kind::started;
    std::string port;
    std::string phase;
    std::string path;
    std::string text;
};

/// The stable name of a kind, as `--json` build events carry it.
PKG_API const char* build_kind_name(BuildEvent::Kind kind);
/// A build event as one line of text.
PKG_API std::string describe_build(const BuildEvent& event);

/// The stable name of a kind, as `--json` fetch events carry it.
PKG_API const char* fetch_kind_name(FetchEvent::Kind kind);
/// A fetch event as one line of text.
PKG_API std::string describe_fetch(const FetchEvent& event);

/// The stable name of a kind, as `--json` change events carry it.
PKG_API const char* change_kind_name(Change::Kind kind);
/// A change as one line of text ("upgraded zlib 1.2.13-1 -> 1.3-1").
PKG_API std::string describe_change(const Change& change);

/// Where libpkg reports what it does; libpkg itself never prints. Every
/// method may be called from any thread at the same time: implementations
/// serialise internally.
class PKG_API EventSink {
public:
    virtual ~EventSink();
    virtual void progress(const Progress& event) = 0;
    virtual void message(const Message& event) = 0;
    /// Returns the answer; never blocks forever when there is no terminal.
    virtual bool ask(const Question& question) = 0;
    /// A typed change; by default an info message of describe_change().
    virtual void change(const Change& event);
    /// A download's step; by default a message at a fitting level.
    virtual void fetch(const FetchEvent& event);
    /// A build's step; by default a message at a fitting level.
    virtual void build(const BuildEvent& event);

    /// A task id unique within this process.
    static std::uint64_t new_task_id();
};

/// A sink that drops everything and answers every question with its default.
class PKG_API NullSink final : public EventSink {
public:
    void progress(const Progress&) override {}
    void message(const Message&) override {}
    bool ask(const Question& question) override { return question.default_answer; }
};

/// Reports the progress of one task: `advance` as work is done, the
/// destructor sends the final event if `finish` or `fail` was not called.
class PKG_API ProgressTask {
public:
    ProgressTask(EventSink& sink, std::string label, std::string unit, std::uint64_t total);
    ~ProgressTask();
    ProgressTask(const ProgressTask&) = delete;
    ProgressTask& operator=(const ProgressTask&) = delete;

    void advance(std::uint64_t amount);
    void set_total(std::uint64_t total);
    /// Sets what is done (a download that starts over, or resumes).
    void set_done(std::uint64_t done);
    void finish();
    /// Ends the task as failed: its last event says so.
    void fail();
    /// From now on, sends `advance`s at most every `interval_ms` (the final
    /// event, and reaching the total, always go): for work that advances in
    /// many small steps, such as a download.
    void throttle(unsigned interval_ms) { interval_ns_ = std::int64_t{interval_ms} * 1'000'000; }

private:
    void send(bool finished);
    EventSink& sink_;
    Progress state_;
    std::int64_t interval_ns_ = 0;
    std::int64_t last_sent_ns_ = 0;
    std::int64_t started_ns_ = 0;
    std::uint64_t advanced_ = 0;  ///< by advance() alone: a resumed download's rate counts what arrives
};

}  // namespace pkg
