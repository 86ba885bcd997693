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
#include "pkg/cleanup.hpp"
#include "pkg/digest.hpp"
#include "pkg/file_read.hpp"
#include "pkg/package/package_io.hpp"

namespace pkg {
namespace fs = std::filesystem;

namespace {

struct Staged {
    std::string path;  ///< relative
    struct stat st;
};

// Every path below `root`, sorted bytewise, without following symlinks. A
// directory that cannot be read is named itself; more entries than a
// package may hold stop the walk early.
std::vector<Staged> walk(const fs::path& root, const PackageLimits& limits) {
    std::vector<Staged> out;
    std::vector<fs::path> pending{root};
    while (!pending.empty()) {
        fs::path dir = std::move(pending.back());
        pending.pop_back();
        std::error_code ec;
        fs::directory_iterator it(dir, ec), end;
        for (; !ec && it != end; it.increment(ec)) {
            Staged s;
            s.path = it->path().lexically_relative(root).string();
            if (::lstat(it->path().c_str(), &s.st) != 0) {
                throw SystemError{errno, it->path(), "cannot stat {}", it->path().string()};
            }
            if (S_ISDIR(s.st.st_mode)) pending.push_back(it->path());
            out.push_back(std::move(s));
            if (out.size() > limits.entries) {
                throw Error("the staged tree {} holds more than {} entries, the most a package may (pkg-package(5))",
                            root.string(), limits.entries);
            }
        }
        if (ec) throw SystemError(ec.value(), dir, "cannot read the staged directory {}", dir.string());
    }
    std::sort(out.begin(), out.end(), [](const Staged& a, const Staged& b) { return a.path < b.path; });
    return out;
}

// The output may replace a regular file, never a directory, a device, a
// FIFO or a symbolic link someone left there.
void check_output(const fs::path& output) {
    struct stat st {};
    if (::lstat(output.c_str(), &st) != 0) {
        if (errno == ENOENT) return;
        throw SystemError{errno, output, "cannot check the output {}", output.string()};
    }
    if (!S_ISREG(st.st_mode)) {
        Error e("refusing to replace {}: it is {}, not a regular file", output.string(), file_type_name(st.st_mode));
        e.set_path(output.string());
        throw e;
    }
}

std::string read_link(const fs::path& path) {
    std::vector<char> buffer(4096);
    ssize_t n = ::readlink(path.c_str(), buffer.data(), buffer.size());
    if (n < 0) throw SystemError{errno, path, "cannot read symlink {}", path.string()};
    if (static_cast<size_t>(n) == buffer.size()) throw Error("symlink {} has a target too long", path.string());
    return std::string(buffer.data(), static_cast<size_t>(n));
}

// Streams a staged file into the package, checking that it is still what
// the manifest says (a file changed while packaging would make a package
// that fails its own verification).
void copy_verified(const fs::path& path, const PackageEntry& e, archive::Writer& writer, std::vector<char>& buffer,
                   ProgressTask* progress) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) throw SystemError{errno, path, "cannot open {}", path.string()};
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    Hasher hasher(DigestAlgorithm::sha256);
    std::uint64_t total = 0;
    for (;;) {
        ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw SystemError{errno, path, "cannot read {}", path.string()};
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

    const PackageLimits& limits = spec.limits;
    struct stat root_st {};
    if (::stat(spec.staged.c_str(), &root_st) != 0) {
        throw SystemError{errno, spec.staged, "cannot read the staged tree {}", spec.staged.string()};
    }
    if (!S_ISDIR(root_st.st_mode)) {
        Error e("the staged tree {} is {}, not a directory", spec.staged.string(), file_type_name(root_st.st_mode));
        e.set_path(spec.staged.string());
        throw e;
    }
    check_output(output);
    std::set<std::string> config(spec.config_files.begin(), spec.config_files.end());
    std::vector<Staged> staged = walk(spec.staged, limits);
    std::map<std::pair<dev_t, ino_t>, std::string> first_path;  // hard links: data with the first path
    for (const Staged& s : staged) {
        fs::path full = spec.staged / s.path;
        if (auto problem = check_member_name(s.path)) throw Error("{}: {}", printable_name(full.string()), *problem);
        PackageEntry e;
        e.path = s.path;
        e.mode = s.st.st_mode & 07777;
        if (S_ISDIR(s.st.st_mode)) {
            e.type = EntryType::dir;
        } else if (S_ISLNK(s.st.st_mode)) {
            e.type = EntryType::symlink;
            e.mode &= 0777;
            e.target = read_link(full);
            if (auto problem = check_text(e.target, "its target")) {
                throw Error("symlink {}: {} (pkg-package(5) allows UTF-8 text only)", printable_name(full.string()),
                            *problem);
            }
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
            throw Error("{}: {} cannot be packaged (only files, directories and links)", printable_name(full.string()),
                        file_type_name(s.st.st_mode));
        }
        m.entries.push_back(std::move(e));
    }
    if (!config.empty()) {
        throw Error("configuration file {} is not a regular file of the staged tree", *config.begin());
    }
    // The manifest the writer makes must pass the reader's own checks, its
    // size cap included: refuse up front what the reader would refuse.
    std::string manifest_text = m.to_json();
    if (manifest_text.size() > limits.manifest_bytes) {
        throw Error("the manifest of {} would take {} bytes, more than the {} pkg-package(5) allows", output.string(),
                    manifest_text.size(), limits.manifest_bytes);
    }
    try {
        PackageManifest::from_json(output.string(), manifest_text, limits);
    } catch (const PackageError& e) {
        throw Error("cannot make {}: {}", output.string(), e.detail());
    }

    // A new temporary name beside the output, never an existing file or a
    // symlink someone planted; synced before it is renamed into place.
    static std::atomic<unsigned> counter{0};
    fs::path temporary = output;
    temporary += fmt::format(".tmp-{}-{}", ::getpid(), counter++);
    int out = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (out < 0) throw SystemError{errno, temporary, "cannot create {}", temporary.string()};
    RemoveOnSignal remove_on_signal(temporary);
    std::error_code ec;
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
        if (::fsync(out) != 0) throw SystemError{errno, temporary, "cannot sync {}", temporary.string()};
        ::close(out);
        out = -1;
        check_output(output);
        if (::rename(temporary.c_str(), output.c_str()) != 0) {
            throw SystemError{errno, output, "cannot rename {} to {}", temporary.string(), output.string()};
        }
        remove_on_signal.release();
    } catch (...) {
        if (out >= 0) ::close(out);
        fs::remove(temporary, ec);
        throw;
    }
    return m;
}

}  // namespace pkg
