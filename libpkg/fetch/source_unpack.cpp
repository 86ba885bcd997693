// Unpacks an untrusted source archive (port(5), unpack). The archive module
// reads it and decides nothing; this file decides every member's fate by
// its name, type and the port's rule, counts what it writes, and writes
// through the door, which never follows a symlink and never leaves the
// destination.

#include "pkg/fetch/source_unpack.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <limits>
#include <memory>
#include <vector>

#include "archive_abi.hpp"
#include "pkg/file_read.hpp"
#include "pkg/module.hpp"
#include "pkg/printable.hpp"
#include "pkg/root/door.hpp"
#include "source_names.hpp"
#include "source_tree.hpp"

namespace pkg {

namespace {

std::string printable(std::string_view text) { return printable_name(text); }

}  // namespace

SourceArchiveError::SourceArchiveError(ErrorKind kind, const std::string& archive, const std::string& member,
                                       const std::string& rule)
    : Error(kind, member.empty() ? fmt::format("{}: {}", archive, printable(rule))
                                 : fmt::format("{}: member '{}': {}", archive, printable(member), printable(rule))),
      detail_(rule) {
    set_path(archive);
    where_mutable().member = member;
}

namespace {

// The package part loads the module too; parts do not share code sideways
// (DESIGN.md, "libpkg's parts"), and the module itself is loaded once.
const archive::Module& archive_module_for_sources() {
    static const archive::Module* loaded = [] {
        auto entry = reinterpret_cast<pkg_archive_module_entry>(module_symbol("archive", "pkg_archive_module_v1"));
        const archive::Module* m = entry();
        if (m->abi != archive::kAbi)
            throw Error("archive module speaks interface {}, libpkg {}", m->abi, archive::kAbi);
        return m;
    }();
    return *loaded;
}

// Sources need no setuid, setgid or sticky bit, and nothing in a build
// directory should be writable by others: the read and execute bits stay.
constexpr unsigned kKeptMode = 0755;
// Parents the archive does not list are made as tar makes them.
constexpr unsigned kParentMode = 0755;
// Room for one member's headers in the tar stream: a pax header with a
// name and a link target of the longest allowed length, or GNU long-name
// blocks, and the padding.
constexpr std::uint64_t kHeaderAllowance = 16 << 10;

const char* type_word(char type) {
    switch (type) {
        case 'f': return "file";
        case 'd': return "directory";
        case 'l': return "symlink";
        case 'h': return "hard link";
    }
    return "special file";
}

struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

class Unpacker {
public:
    Unpacker(std::string archive, Door& door, const UnpackRule& rule, const SourceLimits& limits)
        : archive_(std::move(archive)), door_(door), rule_(rule), limits_(limits) {}

    UnpackStats run(archive::Reader& reader) {
        reader.set_budget(stream_budget());
        archive::Header h;
        std::uint64_t seen = 0;
        while (next(reader, h)) {
            current_ = h.name;
            if (++seen > limits_.max_members) fail(h.name, fmt::format("more than {} members", limits_.max_members));
            try {
                member(reader, h);
            } catch (const SourceArchiveError&) {
                throw;
            } catch (const Error& e) {
                throw SourceArchiveError(e.kind(), archive_, h.name, e.what());
            }
        }
        // The rest of the compressed stream: xz, zstd and bzip2 check their
        // data at its end (libarchive skips gzip's CRC: the pinned digest
        // proves a distfile's bytes).
        try {
            reader.drain();
        } catch (const Error& e) {
            throw SourceArchiveError(ErrorKind::verification, archive_, "",
                                     fmt::format("after the last member: {}", e.what()));
        }
        // A link checked when it was made may go out through a symlink made after it.
        for (const auto& [path, member] : links_) {
            if (auto why = tree_.escape(path)) {
                try {
                    door_.unlink(path);
                } catch (const Error&) {
                    // The error below says what matters; the caller removes the tree.
                }
                fail(member, *why);
            }
        }
        for (const auto& d : tree_.directories_deepest_first()) {
            try {
                if (d.mtime) {
                    Fd fd{door_.open_directory(d.path)};  // while it is still 0700: readable
                    set_time(fd.fd, *d.mtime, d.path);
                }
                door_.set_mode(d.path, d.mode);
            } catch (const Error& e) {
                throw SourceArchiveError(e.kind(), archive_, d.path, e.what());
            }
        }
        return stats_;
    }

private:
    [[noreturn]] void fail(const std::string& member, const std::string& rule) const {
        throw SourceArchiveError(ErrorKind::general, archive_, member, rule);
    }

    // make compares modification times: a configure older than its
    // configure.ac would send the build to autoconf. A time in the future
    // becomes now, or make would rebuild it on every run.
    void set_time(int fd, std::int64_t mtime, const std::string& path) const {
        struct timespec times[2] = {};
        times[0].tv_sec = times[1].tv_sec = static_cast<time_t>(std::min<std::int64_t>(mtime, now_));
        if (::futimens(fd, times) != 0) {
            throw SystemError{errno, door_.root() / path, "cannot set the time of {}/{}", door_.root().string(), path};
        }
    }

    // Every byte of data the caps allow, and each member's headers: the
    // most uncompressed tar the reader may take, skipped data included.
    std::uint64_t stream_budget() const {
        constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
        if (limits_.max_members > max / kHeaderAllowance - 2) return max;
        std::uint64_t headers = (limits_.max_members + 2) * kHeaderAllowance;
        return limits_.max_bytes > max - headers ? max : limits_.max_bytes + headers;
    }

    // The next header; a corrupt stream names the member it follows.
    bool next(archive::Reader& reader, archive::Header& h) {
        try {
            return reader.next(h);
        } catch (const Error& e) {
            throw SourceArchiveError(ErrorKind::verification, archive_, current_,
                                     current_.empty() ? e.what() : fmt::format("after this member: {}", e.what()));
        }
    }

    void member(archive::Reader& reader, const archive::Header& h) {
        if (h.name.size() > limits_.max_name) fail(h.name, fmt::format("name longer than {} bytes", limits_.max_name));
        if (h.type == 'o') fail(h.name, "device nodes, FIFOs and sockets are refused");
        source::Placement p = source::place(h.name, rule_);
        if (!p.problem.empty()) fail(h.name, p.problem);
        if (p.path.empty()) {
            if (h.type == 'd') return;  // a top the rule strips, or the archive's "./"
            fail(h.name, dropped(h.type));
        }
        if (p.depth > limits_.max_depth) fail(h.name, fmt::format("deeper than {} levels", limits_.max_depth));
        char existing = tree_.type(p.path);
        if (existing == 'd' && h.type == 'd') {
            // Listed again, or made before as a parent: its mode and time are the archive's.
            tree_.add_directory(p.path, h.mode & kKeptMode, h.mtime);
            return;
        }
        if (existing)
            fail(h.name,
                 fmt::format("unpacks to '{}', where a {} of the archive already is", p.path, type_word(existing)));
        for (const auto& parent : tree_.missing_parents(p.path, kParentMode))
            door_.make_directory(parent, 0700);
        switch (h.type) {
            case 'd':
                // 0700 until the end: a directory of mode 0555 would refuse its own members.
                door_.make_directory(p.path, 0700);
                tree_.add_directory(p.path, h.mode & kKeptMode, h.mtime);
                break;
            case 'l': symlink(h, p.path); break;
            case 'h': hardlink(h, p.path); break;
            default: file(reader, h, p.path);
        }
        ++stats_.members;
    }

    std::string dropped(char type) const {
        if (rule_.mode == UnpackRule::Mode::directory) {
            return fmt::format("a {} named '{}', the directory the unpack rule ({}) strips", type_word(type),
                               rule_.directory, source::describe(rule_));
        }
        return fmt::format("a {} the unpack rule ({}) leaves nothing of: only directories may lie above it",
                           type_word(type), source::describe(rule_));
    }

    void symlink(const archive::Header& h, const std::string& path) {
        if (h.link.empty()) fail(h.name, "symlink with an empty target");
        if (h.link.size() > limits_.max_name)
            fail(h.name, fmt::format("symlink target longer than {} bytes", limits_.max_name));
        tree_.add_symlink(path, h.link);
        if (auto why = tree_.escape(path)) fail(h.name, *why);
        door_.make_symlink(h.link, path);  // the target is data: never followed here
        links_.emplace_back(path, h.name);
    }

    void hardlink(const archive::Header& h, const std::string& path) {
        // A hard link names an earlier member as the archive spells it.
        source::Placement target = source::place(h.link, rule_);
        if (!target.problem.empty()) {
            fail(h.name, fmt::format("hard link to '{}', outside the tree: {}", h.link, target.problem));
        }
        char type = target.path.empty() ? '\0' : tree_.type(target.path);
        if (type != 'f') {
            fail(h.name, fmt::format("hard link to '{}', which is {}, not a regular file the archive "
                                     "unpacked before it",
                                     h.link, type ? fmt::format("a {}", type_word(type)) : std::string("nothing")));
        }
        door_.make_hardlink(target.path, path);
        tree_.add_file(path);
    }

    void file(archive::Reader& reader, const archive::Header& h, const std::string& path) {
        // The header's size refuses early; the bytes are counted all the same.
        if (h.size > limits_.max_member_bytes) {
            fail(h.name, fmt::format("its header says {} bytes, more than the {} one member may have", h.size,
                                     limits_.max_member_bytes));
        }
        Fd out{door_.create_file(path, h.mode & kKeptMode)};
        tree_.add_file(path);
        std::uint64_t written = 0;
        for (;;) {
            std::size_t n = 0;
            try {
                n = reader.read(buffer_.data(), buffer_.size());
            } catch (const Error& e) {
                throw SourceArchiveError(ErrorKind::verification, archive_, h.name, e.what());
            }
            if (n == 0) break;
            written += n;
            if (written > limits_.max_member_bytes) {
                fail(h.name,
                     fmt::format("more than {} bytes of data, the most one member may have", limits_.max_member_bytes));
            }
            if (stats_.bytes + n > limits_.max_bytes) {
                fail(h.name,
                     fmt::format("unpacks to more than {} bytes in all, the most one archive may", limits_.max_bytes));
            }
            door_.write_all(out.fd, buffer_.data(), n, path);
            stats_.bytes += n;
        }
        set_time(out.fd, h.mtime, path);
    }

    std::string archive_;
    Door& door_;
    const UnpackRule& rule_;
    const SourceLimits& limits_;
    source::SourceTree tree_;
    std::vector<std::pair<std::string, std::string>> links_;  ///< each symlink's path and member name
    std::string current_;  ///< the member last read, for errors of the stream after it
    UnpackStats stats_;
    std::int64_t now_ = static_cast<std::int64_t>(std::time(nullptr));
    std::vector<char> buffer_ = std::vector<char>(1 << 17);
};

// `unpack: false`: the archive stays packed, placed in the destination as it is.
UnpackStats place_packed(const std::filesystem::path& archive, Door& door, const SourceLimits& limits) {
    UnpackStats stats;
    Fd in{open_regular_file(archive, "source archive")};
    std::string name = archive.filename().string();
    Fd out{door.create_file(name, 0644)};
    std::vector<char> buffer(1 << 17);
    for (;;) {
        ssize_t n = ::read(in.fd, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw SystemError{errno, archive, "cannot read {}", archive.string()};
        if (n == 0) break;
        stats.bytes += static_cast<std::uint64_t>(n);
        if (stats.bytes > limits.max_member_bytes || stats.bytes > limits.max_bytes) {
            throw SourceArchiveError(ErrorKind::general, archive.string(), "",
                                     fmt::format("larger than the {} bytes a source may be",
                                                 std::min(limits.max_member_bytes, limits.max_bytes)));
        }
        door.write_all(out.fd, buffer.data(), static_cast<std::size_t>(n), name);
    }
    stats.members = 1;
    return stats;
}

}  // namespace

UnpackStats unpack_source(const std::filesystem::path& archive, const std::filesystem::path& destination,
                          const UnpackRule& rule, const SourceLimits& limits) {
    std::unique_ptr<Door> door = open_door(destination);
    if (rule.mode == UnpackRule::Mode::none) return place_packed(archive, *door, limits);
    // A regular file only: a FIFO or a device is refused before it is read.
    Fd in{open_regular_file(archive, "source archive")};
    const archive::Module& module = archive_module_for_sources();
    std::unique_ptr<archive::Reader> reader;
    try {
        reader = module.open_source(in.fd, archive.string());
    } catch (const Error& e) {
        throw SourceArchiveError(ErrorKind::verification, archive.string(), "", e.what());
    }
    return Unpacker(archive.string(), *door, rule, limits).run(*reader);
}

}  // namespace pkg
