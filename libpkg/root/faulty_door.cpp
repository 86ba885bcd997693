// The counting, fault-injecting door. PKGMGR_TEST_FAULT names one mutating
// step and what happens there:
//
//   PKGMGR_TEST_FAULT=N:ACTION       the Nth mutating step of the process
//   PKGMGR_TEST_FAULT=KIND#N:ACTION  the Nth step of one kind (rename#3)
//
// KIND is a mutating call's (mkdir create write symlink link rename unlink
// rmdir chmod chown fsync syncfs) or commit, just before the database
// commits a change of the root's state.
// ACTION is eio or enospc (the step fails with that errno, as the system
// would say it), kill (SIGKILL before the step), skip (the step silently
// does nothing: a deliberately broken pkg, for a harness's mutation check), or pause=FD (one byte is
// read from descriptor FD before the step: a test holds a writer there
// without sleeping). PKGMGR_TEST_STEPS=FD writes one line per step to FD
// before it runs, "N KIND PATH", and "pause N" before a pause, so a harness
// knows how many steps there are and when one is reached.

#include <signal.h>
#include <unistd.h>

#include <charconv>
#include <map>
#include <cstdlib>

#include "pkg/error.hpp"
#include "pkg/root/safe_root.hpp"

namespace pkg {
namespace {

enum class Action { none, eio, enospc, kill, pause, skip };

struct Fault {
    std::string kind;  ///< "" for any
    unsigned long step = 0;
    Action action = Action::none;
    int pause_fd = -1;
};

std::optional<unsigned long> number(std::string_view text) {
    unsigned long value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

Fault parse_fault(const std::string& spec) {
    auto bad = [&] {
        return UsageError("PKGMGR_TEST_FAULT='{}': expected [KIND#]N:eio|enospc|kill|skip|pause=FD", spec);
    };
    Fault f;
    std::size_t colon = spec.find(':');
    if (colon == std::string::npos) throw bad();
    std::string where = spec.substr(0, colon), what = spec.substr(colon + 1);
    if (std::size_t hash = where.find('#'); hash != std::string::npos) {
        f.kind = where.substr(0, hash);
        where = where.substr(hash + 1);
    }
    auto n = number(where);
    if (!n || *n == 0) throw bad();
    f.step = *n;
    if (what == "eio") f.action = Action::eio;
    else if (what == "enospc") f.action = Action::enospc;
    else if (what == "kill") f.action = Action::kill;
    else if (what == "skip") f.action = Action::skip;
    else if (what.rfind("pause=", 0) == 0) {
        auto fd = number(std::string_view(what).substr(6));
        if (!fd || *fd > 65535) throw bad();
        f.action = Action::pause;
        f.pause_fd = static_cast<int>(*fd);
    } else {
        throw bad();
    }
    return f;
}

class FaultyDoor final : public Door {
public:
    FaultyDoor(const std::filesystem::path& root, Fault fault, int steps_fd)
        : inner_(root), fault_(std::move(fault)), steps_fd_(steps_fd) {}

    const std::filesystem::path& root() const override { return inner_.root(); }

    void make_directory(const std::string& path, unsigned mode) override {
        if (step("mkdir", path)) inner_.make_directory(path, mode);
    }
    int create_file(const std::string& path, unsigned mode) override {
        step("create", path);
        return inner_.create_file(path, mode);
    }
    void write_all(int fd, const void* data, std::size_t size, const std::string& path) override {
        step("write", path);
        inner_.write_all(fd, data, size, path);
    }
    void make_symlink(const std::string& target, const std::string& path) override {
        if (step("symlink", path)) inner_.make_symlink(target, path);
    }
    void make_hardlink(const std::string& existing, const std::string& path) override {
        if (step("link", path)) inner_.make_hardlink(existing, path);
    }
    void rename(const std::string& from, const std::string& to, RenameMode mode) override {
        if (step("rename", to)) inner_.rename(from, to, mode);
    }
    void unlink(const std::string& path) override {
        if (step("unlink", path)) inner_.unlink(path);
    }
    void remove_directory(const std::string& path) override {
        if (step("rmdir", path)) inner_.remove_directory(path);
    }
    void set_mode(const std::string& path, unsigned mode) override {
        if (step("chmod", path)) inner_.set_mode(path, mode);
    }
    void set_owner(const std::string& path, uid_t uid, gid_t gid) override {
        if (step("chown", path)) inner_.set_owner(path, uid, gid);
    }
    void sync_file(int fd, const std::string& path) override {
        if (step("fsync", path)) inner_.sync_file(fd, path);
    }
    void sync_filesystem(int fd, const std::string& what) override {
        if (step("syncfs", what)) inner_.sync_filesystem(fd, what);
    }

    void database_commit(const std::string& what) override { step("commit", what); }  // skip: commits all the same

    int open_directory(const std::string& path, bool create, unsigned mode) override {
        if (create) {
            for (std::size_t slash = path.find('/');; slash = path.find('/', slash + 1)) {
                std::string level = path.substr(0, slash);
                if (!inner_.stat(level)) make_directory(level, mode);
                if (slash == std::string::npos) break;
            }
        }
        return inner_.open_directory(path, false, mode);
    }
    int open_file(const std::string& path) override { return inner_.open_file(path); }
    std::optional<EntryStat> stat(const std::string& path) override { return inner_.stat(path); }
    std::string read_link(const std::string& path) override { return inner_.read_link(path); }

private:
    void say(const std::string& line) const {
        if (steps_fd_ < 0) return;
        std::string text = line + "\n";
        for (std::size_t done = 0; done < text.size();) {
            ssize_t n = ::write(steps_fd_, text.data() + done, text.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return;
            done += static_cast<std::size_t>(n);
        }
    }

    // Steps are counted for the process, across every door it opens.
    // Returns whether the step is to be carried out (not when skipped).
    bool step(const char* kind, const std::string& path) {
        static unsigned long count = 0;
        static std::map<std::string, unsigned long> per_kind;
        unsigned long count_ = ++count;
        unsigned long of_kind = ++per_kind[kind];
        say(std::to_string(count_) + " " + kind + " " + path);
        bool hit = fault_.kind.empty() ? count_ == fault_.step : (fault_.kind == kind && of_kind == fault_.step);
        if (!hit) return true;
        switch (fault_.action) {
            case Action::none: return true;
            case Action::skip: return false;
            case Action::kill: ::raise(SIGKILL); return true;
            case Action::pause: {
                say("pause " + std::to_string(count_));
                char byte;
                while (::read(fault_.pause_fd, &byte, 1) < 0 && errno == EINTR) {
                }
                return true;
            }
            case Action::eio:
            case Action::enospc:
                throw SystemError{fault_.action == Action::eio ? EIO : ENOSPC, root() / path,
                                  "{} {}/{} (injected at step {})", kind, root().string(), path, count_};
        }
        return true;
    }

    SafeRoot inner_;
    Fault fault_;
    int steps_fd_;
};

}  // namespace

std::unique_ptr<Door> open_door(const std::filesystem::path& root) {
    const char* fault = std::getenv("PKGMGR_TEST_FAULT");
    const char* steps = std::getenv("PKGMGR_TEST_STEPS");
    if ((!fault || !*fault) && (!steps || !*steps)) return std::make_unique<SafeRoot>(root);
    Fault f;
    if (fault && *fault) f = parse_fault(fault);
    int steps_fd = -1;
    if (steps && *steps) {
        auto fd = number(steps);
        if (!fd || *fd > 65535) throw UsageError("PKGMGR_TEST_STEPS='{}': expected a file descriptor", steps);
        steps_fd = static_cast<int>(*fd);
    }
    return std::make_unique<FaultyDoor>(root, std::move(f), steps_fd);
}

}  // namespace pkg
