// Writes a binary package from a staged tree (pkg-package(5)).

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <optional>
#include <set>

#include "archive_abi.hpp"
#include "package_archive.hpp"
#include "pkg/digest.hpp"
#include "pkg/package/package_io.hpp"

namespace pkg {
namespace fs = std::filesystem;

namespace {

struct Staged {
    std::string path;  ///< relative
    struct stat st;
};

// Every path below `root`, sorted bytewise, without following symlinks.
std::vector<Staged> walk(const fs::path& root) {
    std::vector<Staged> out;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(root, fs::directory_options::none, ec), end; !ec && it != end;
         it.increment(ec)) {
        Staged s;
        s.path = it->path().lexically_relative(root).string();
        if (::lstat(it->path().c_str(), &s.st) != 0) throw SystemError(errno, it->path(), "cannot stat {}", it->path().string());
        out.push_back(std::move(s));
    }
    if (ec) throw SystemError(ec.value(), root, "cannot read the staged tree {}", root.string());
    std::sort(out.begin(), out.end(), [](const Staged& a, const Staged& b) { return a.path < b.path; });
    return out;
}

std::string read_link(const fs::path& path) {
    std::vector<char> buffer(4096);
    ssize_t n = ::readlink(path.c_str(), buffer.data(), buffer.size());
    if (n < 0) throw SystemError(errno, path, "cannot read symlink {}", path.string());
    if (static_cast<size_t>(n) == buffer.size()) throw Error("symlink {} has a target too long", path.string());
    return std::string(buffer.data(), static_cast<size_t>(n));
}

// Streams a staged file into the package, checking that it is still what
// the manifest says (a file changed while packaging would make a package
// that fails its own verification).
void copy_verified(const fs::path& path, const PackageEntry& e, archive::Writer& writer, std::vector<char>& buffer,
                   ProgressTask* progress) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) throw SystemError(errno, path, "cannot open {}", path.string());
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    Hasher hasher(DigestAlgorithm::sha256);
    std::uint64_t total = 0;
    for (;;) {
        ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw SystemError(errno, path, "cannot read {}", path.string());
        if (n == 0) break;
        total += static_cast<std::uint64_t>(n);
        if (total > e.size) throw Error("{} grew while it was packaged", path.string());
        hasher.update(buffer.data(), static_cast<size_t>(n));
        writer.write(buffer.data(), static_cast<size_t>(n));
        if (progress) progress->advance(static_cast<std::uint64_t>(n));
    }
    if (total != e.size || hasher.finish() != e.sha256) {
        throw Error("{} changed while it was packaged", path.string());
    }
}

}  // namespace

PackageManifest write_package(const PackageSpec& spec, const fs::path& output, EventSink* events) {
    PackageManifest m = spec.metadata;
    m.entries.clear();

    std::error_code ec;
    if (!fs::is_directory(spec.staged, ec)) throw Error("{} is not a directory", spec.staged.string());
    std::set<std::string> config(spec.config_files.begin(), spec.config_files.end());
    std::vector<Staged> staged = walk(spec.staged);
    std::map<std::pair<dev_t, ino_t>, std::string> first_path;  // hard links: data with the first path
    for (const Staged& s : staged) {
        fs::path full = spec.staged / s.path;
        if (auto problem = check_member_name(s.path)) throw Error("{}: {}", full.string(), *problem);
        PackageEntry e;
        e.path = s.path;
        e.mode = s.st.st_mode & 07777;
        if (S_ISDIR(s.st.st_mode)) {
            e.type = EntryType::dir;
        } else if (S_ISLNK(s.st.st_mode)) {
            e.type = EntryType::symlink;
            e.mode &= 0777;
            e.target = read_link(full);
        } else if (S_ISREG(s.st.st_mode)) {
            auto key = std::make_pair(s.st.st_dev, s.st.st_ino);
            auto [it, first] = first_path.emplace(key, s.path);
            if (s.st.st_nlink > 1 && !first) {
                e.type = EntryType::hardlink;
                e.target = it->second;
            } else {
                e.type = EntryType::file;
                e.size = static_cast<std::uint64_t>(s.st.st_size);
                e.sha256 = file_digest(full, DigestAlgorithm::sha256);
                e.config = config.erase(s.path) > 0;
            }
        } else {
            throw Error("{}: device nodes, FIFOs and sockets cannot be packaged", full.string());
        }
        m.entries.push_back(std::move(e));
    }
    if (!config.empty()) {
        throw Error("configuration file {} is not a regular file of the staged tree", *config.begin());
    }
    // The manifest the writer makes must pass the reader's own checks.
    std::string manifest_text = m.to_json();
    PackageManifest::from_json(output.string(), manifest_text);

    // A new temporary name beside the output, never an existing file or a
    // symlink someone planted; synced before it is renamed into place.
    static std::atomic<unsigned> counter{0};
    fs::path temporary = output;
    temporary += fmt::format(".tmp-{}-{}", ::getpid(), counter++);
    int out = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (out < 0) throw SystemError(errno, temporary, "cannot create {}", temporary.string());
    try {
        auto writer = archive_module().open_writer(out, temporary.string());
        archive::Header h;
        h.name = kManifestName;
        h.type = 'f';
        h.mode = 0644;
        h.size = manifest_text.size();
        h.mtime = m.source_date_epoch;
        writer->add(h);
        writer->write(manifest_text.data(), manifest_text.size());
        std::vector<char> buffer(1 << 17);
        std::uint64_t total = 0;
        for (const auto& e : m.entries) total += e.size;
        std::optional<ProgressTask> progress;
        if (events) progress.emplace(*events, output.filename().string(), "bytes", total);
        for (size_t i = 0; i < m.entries.size(); ++i) {
            const PackageEntry& e = m.entries[i];
            h = archive::Header{};
            h.name = e.path;
            h.mode = e.mode;
            h.mtime = std::min<std::int64_t>(staged[i].st.st_mtime, m.source_date_epoch);
            h.link = e.target;
            h.size = e.size;
            h.type = e.type == EntryType::dir ? 'd' : e.type == EntryType::symlink ? 'l'
                     : e.type == EntryType::hardlink ? 'h' : 'f';
            writer->add(h);
            if (e.type == EntryType::file) {
                copy_verified(spec.staged / e.path, e, *writer, buffer, progress ? &*progress : nullptr);
            }
        }
        writer->close();
        writer.reset();
        if (progress) progress->finish();
        if (::fsync(out) != 0) throw SystemError(errno, temporary, "cannot sync {}", temporary.string());
        ::close(out);
        out = -1;
        fs::rename(temporary, output);
    } catch (...) {
        if (out >= 0) ::close(out);
        fs::remove(temporary, ec);
        throw;
    }
    return m;
}

}  // namespace pkg
