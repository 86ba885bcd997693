// Reads a binary package once, checking every rule of pkg-package(5) while
// it streams, and hands each verified member to a visitor.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <set>
#include <unordered_map>
#include <vector>

#include "package_archive.hpp"
#include "pkg/digest.hpp"
#include "pkg/file_read.hpp"
#include "pkg/module.hpp"
#include "pkg/package/package_io.hpp"
#include "pkg/root/door.hpp"
#include "tar_structure.hpp"

namespace pkg {

const archive::Module& archive_module() {
    static const archive::Module* loaded = [] {
        auto entry = reinterpret_cast<pkg_archive_module_entry>(module_symbol("archive", "pkg_archive_module_v1"));
        const archive::Module* m = entry();
        if (m->abi != archive::kAbi) throw Error("archive module speaks interface {}, libpkg {}", m->abi, archive::kAbi);
        return m;
    }();
    return *loaded;
}

PackageVisitor::~PackageVisitor() = default;

namespace {

const char* type_word(char type) {
    switch (type) {
        case 'f': return "file";
        case 'd': return "dir";
        case 'l': return "symlink";
        case 'h': return "hardlink";
    }
    return "special file";
}

class Checker {
public:
    Checker(archive::Reader& reader, std::string package, PackageVisitor& visitor, const PackageLimits& limits,
            const PackageManifest* known = nullptr)
        : reader_(reader), package_(std::move(package)), visitor_(visitor), limits_(limits), known_(known) {}

    PackageManifest run(bool manifest_only = false) {
        archive::Header h;
        reader_.set_tap([](void* self, const char* data, std::size_t size) {
            static_cast<TarStructure*>(self)->feed(data, size);
        }, &structure_);
        reader_.set_budget(limits_.manifest_bytes + kHeaderAllowance);
        if (!next(h)) fail("", "empty archive: the manifest is missing");
        if (h.name != kManifestName) fail(h.name, fmt::format("the first member must be the manifest, {}", kManifestName));
        if (h.type != 'f') fail(h.name, "the manifest must be a regular file");
        if (h.size > limits_.manifest_bytes) fail(h.name, fmt::format("manifest larger than {} bytes", limits_.manifest_bytes));
        std::string text = read_all(h);
        Hasher hasher(DigestAlgorithm::sha256);
        hasher.update(text.data(), text.size());
        std::string digest = hasher.finish();
        PackageManifest m = known_ && known_->manifest_sha256 == digest
                                ? *known_
                                : PackageManifest::from_json(package_, text, limits_);
        m.manifest_sha256 = digest;
        visitor_.manifest(m);
        if (manifest_only) return m;
        // From here on, no more uncompressed bytes than the manifest accounts for.
        std::uint64_t budget = kHeaderAllowance * (m.entries.size() + 2);
        for (const auto& e : m.entries) budget += e.size + 512;
        reader_.set_budget(budget);
        size_t index = 0;
        std::unordered_map<std::string, char> types;
        while (next(h)) {
            current_ = h.name;
            member(m, h, index, types);
            ++index;
        }
        if (index < m.entries.size()) fail(m.entries[index].path, "listed in the manifest but not in the package");
        try {
            reader_.drain();
        } catch (const Error& e) {
            fail("", e.what());
        }
        if (auto problem = structure_.end_problem()) fail("", *problem);
        visitor_.finished();
        return m;
    }

private:
    // Room for one member's headers: a ustar block and a pax header with a
    // path and a link target of the longest allowed length.
    static constexpr std::uint64_t kHeaderAllowance = 16 << 10;

    [[noreturn]] void fail(const std::string& member, const std::string& rule,
                           ErrorKind kind = ErrorKind::general) const {
        throw PackageError(kind, package_, member, rule);
    }

    // The next header, its format checked; libarchive's errors name the member they hit.
    bool next(archive::Header& h) {
        bool more = false;
        try {
            more = reader_.next(h);
        } catch (const Error& e) {
            fail(current_, current_.empty() ? e.what() : fmt::format("after this member: {}", e.what()));
        }
        if (!more) return false;
        if (auto problem = structure_.member_problem(headers_++)) fail(h.name, *problem);
        // tar writes a directory as "NAME/"; the slash is not part of the path.
        if (h.type == 'd' && h.name.size() > 1 && h.name.back() == '/') h.name.pop_back();
        std::string what;
        if (!reader_.is_package_format(what)) fail(h.name, what);
        if (!h.forbidden.empty()) fail(h.name, fmt::format("carries {}, which packages may not", h.forbidden));
        return true;
    }

    size_t read(void* buffer, size_t size) {
        try {
            return reader_.read(buffer, size);
        } catch (const Error& e) {
            fail(current_, e.what());
        }
    }

    std::string read_all(const archive::Header& h) {
        current_ = h.name;
        std::string out;
        out.resize(h.size);
        size_t got = 0;
        while (got < out.size()) {
            size_t n = read(out.data() + got, out.size() - got);
            if (n == 0) break;
            got += n;
        }
        char extra;
        if (got != out.size() || read(&extra, 1) != 0) fail(h.name, "size differs from its header");
        return out;
    }

    void member(const PackageManifest& m, archive::Header& h, size_t index,
                std::unordered_map<std::string, char>& types) {
        const std::string& name = h.name;
        if (auto problem = check_member_name(name, limits_)) fail(name, *problem);
        if (types.count(name)) fail(name, "appears twice in the package");
        if (index >= m.entries.size()) fail(name, "not in the manifest");
        const PackageEntry& e = m.entries[index];
        if (e.path != name) {
            bool listed = false;
            for (const auto& other : m.entries) listed = listed || other.path == name;
            fail(name, listed ? fmt::format("out of order: the manifest lists '{}' here", e.path)
                              : std::string("not in the manifest"));
        }
        // A member's parent is a directory of this package, listed before it
        // (top-level members aside): nothing lies below a symlink or a file.
        if (size_t slash = name.rfind('/'); slash != std::string::npos) {
            std::string parent = name.substr(0, slash);
            auto it = types.find(parent);
            if (it == types.end()) fail(name, fmt::format("its parent directory '{}' is not in the package", parent));
            if (it->second == 'l') fail(name, fmt::format("lies below '{}', a symlink of the package", parent));
            if (it->second != 'd') fail(name, fmt::format("lies below '{}', which is not a directory", parent));
        }
        if (h.type == 'o') fail(name, "device nodes, FIFOs and sockets are refused");
        if (h.uid != 0 || h.gid != 0) fail(name, "owner and group must be root (0)");
        if (h.mtime > m.source_date_epoch) fail(name, "modification time later than the package's SOURCE_DATE_EPOCH");
        const char* expected_type = entry_type_name(e.type);
        if (std::string(type_word(h.type)) != expected_type) {
            fail(name, fmt::format("is a {} but the manifest says {}", type_word(h.type), expected_type));
        }
        if (h.mode != e.mode) {
            unsigned special = h.mode & 07000;
            if (special && (e.mode & 07000) != special) fail(name, "setuid, setgid or sticky bit the manifest does not declare");
            fail(name, fmt::format("mode {:04o} but the manifest says {:04o}", h.mode, e.mode));
        }
        if ((h.type == 'l' || h.type == 'h') && h.link != e.target) {
            fail(name, fmt::format("link target '{}' but the manifest says '{}'", h.link, e.target));
        }
        types.emplace(name, h.type);
        visitor_.begin(e);
        if (h.type == 'f') {
            if (h.size != e.size) {
                fail(name, fmt::format("size {} but the manifest says {}", h.size, e.size), ErrorKind::verification);
            }
            Hasher hasher(DigestAlgorithm::sha256);
            std::vector<char>& buffer = buffer_;  // one for every member: not zeroed 5,000 times
            std::uint64_t total = 0;
            for (;;) {
                size_t n = read(buffer.data(), buffer.size());
                if (n == 0) break;
                total += n;
                if (total > e.size) break;
                hasher.update(buffer.data(), n);
                visitor_.data(e, buffer.data(), n);
            }
            if (total != e.size) {
                fail(name, fmt::format("content is {} bytes, the manifest says {}", total, e.size), ErrorKind::verification);
            }
            std::string digest = hasher.finish();
            if (digest != e.sha256) {
                fail(name, fmt::format("sha256 mismatch: expected {}, got {}", e.sha256, digest), ErrorKind::verification);
            }
        } else {
            char byte;
            if (h.size != 0 || read(&byte, 1) != 0) fail(name, "only files carry data");
        }
        visitor_.end(e);
    }

    archive::Reader& reader_;
    std::string package_;
    PackageVisitor& visitor_;
    const PackageLimits& limits_;
    const PackageManifest* known_;
    std::vector<char> buffer_ = std::vector<char>(1 << 17);
    std::string current_;  ///< the member being read, for libarchive's errors
    TarStructure structure_;
    std::size_t headers_ = 0;  ///< headers returned so far, the manifest's included
};

// Writes what the reader hands over below a root, through the door.
class Extractor final : public PackageVisitor {
public:
    Extractor(const std::filesystem::path& root, std::string package)
        : door_(open_door(root)), root_(*door_), package_(std::move(package)) {}
    ~Extractor() override {
        if (fd_ >= 0) ::close(fd_);
    }

    void begin(const PackageEntry& e) override {
        try {
            switch (e.type) {
                case EntryType::dir:
                    // 0700 until every member is in: a directory of mode 0555
                    // would refuse its own children to a caller who is not root.
                    root_.make_directory(e.path, 0700);
                    directories_.emplace_back(e.path, e.mode);
                    break;
                case EntryType::symlink: root_.make_symlink(e.target, e.path); break;
                case EntryType::hardlink: root_.make_hardlink(e.target, e.path); break;
                case EntryType::file:
                    // 0600 while unverified; the mode (setuid too) only once verified,
                    // and after the last write, which would clear setuid again.
                    fd_ = root_.create_file(e.path, 0600);
                    break;
            }
        } catch (const Error& error) {
            throw PackageError(error.kind(), package_, e.path, error.what());
        }
    }
    void data(const PackageEntry& e, const void* bytes, std::size_t size) override {
        try {
            root_.write_all(fd_, bytes, size, e.path);
        } catch (const Error& error) {
            throw PackageError(error.kind(), package_, e.path, error.what());
        }
    }
    void end(const PackageEntry& e) override {
        if (fd_ < 0) return;
        int rc = ::fchmod(fd_, e.mode & 07777);
        int err = errno;
        ::close(fd_);
        fd_ = -1;
        if (rc != 0) {
            throw PackageError(errno_kind(err), package_, e.path,
                               fmt::format("cannot set its mode below {}: {}", root_.root().string(), std::strerror(err)));
        }
    }

    /// After the whole package: directory modes, deepest first (members are
    /// sorted, so in reverse every child comes before its parent).
    void finish() {
        for (auto it = directories_.rbegin(); it != directories_.rend(); ++it) {
            try {
                root_.set_mode(it->first, it->second);
            } catch (const Error& error) {
                throw PackageError(error.kind(), package_, it->first, error.what());
            }
        }
    }

private:
    std::unique_ptr<Door> door_;
    Door& root_;
    std::string package_;
    int fd_ = -1;
    std::vector<std::pair<std::string, unsigned>> directories_;
};

}  // namespace

namespace {

// Opens a reader; the module's errors gain the package's name.
template <typename Open>
std::unique_ptr<archive::Reader> open_reader(Open open, const std::string& package) {
    try {
        return open();
    } catch (const PackageError&) {
        throw;
    } catch (const Error& e) {
        throw PackageError(e.kind(), package, "", e.what());
    }
}

// A package is read only from a regular file: a directory, a FIFO or a
// device is refused by name before any byte is read.
struct PackageFile {
    explicit PackageFile(const std::filesystem::path& file) : fd(open_regular_file(file, "package")) {}
    ~PackageFile() { ::close(fd); }
    PackageFile(const PackageFile&) = delete;
    PackageFile& operator=(const PackageFile&) = delete;
    int fd;
};

}  // namespace

PackageManifest read_package(const std::filesystem::path& file, PackageVisitor& visitor, const PackageLimits& limits,
                             const PackageManifest* known) {
    PackageFile in(file);
    auto reader = open_reader([&] { return archive_module().open_fd(in.fd, file.string()); }, file.string());
    return Checker(*reader, file.string(), visitor, limits, known).run();
}

PackageManifest read_package_manifest(const std::filesystem::path& file, const PackageLimits& limits) {
    PackageFile in(file);
    auto reader = open_reader([&] { return archive_module().open_fd(in.fd, file.string()); }, file.string());
    PackageVisitor nothing;
    return Checker(*reader, file.string(), nothing, limits).run(true);
}

PackageManifest read_package_memory(const void* data, std::size_t size, const std::string& name,
                                    PackageVisitor& visitor, const PackageLimits& limits) {
    auto reader = open_reader([&] { return archive_module().open_memory(data, size, name); }, name);
    return Checker(*reader, name, visitor, limits).run();
}

PackageManifest extract_package(const std::filesystem::path& file, const std::filesystem::path& root) {
    Extractor extractor(root, file.string());
    PackageManifest m = read_package(file, extractor);
    extractor.finish();
    return m;
}

}  // namespace pkg
