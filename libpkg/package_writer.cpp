// Writes a binary package from a staged tree (pkg-package(5)).

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>

#include "modules/archive_abi.hpp"
#include "package_archive.hpp"
#include "pkg/digest.hpp"
#include "pkg/package_io.hpp"

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
        if (::lstat(it->path().c_str(), &s.st) != 0) throw SystemError(errno, "cannot stat {}", it->path().string());
        out.push_back(std::move(s));
    }
    if (ec) throw SystemError(ec.value(), "cannot read the staged tree {}", root.string());
    std::sort(out.begin(), out.end(), [](const Staged& a, const Staged& b) { return a.path < b.path; });
    return out;
}

std::string read_link(const fs::path& path) {
    std::vector<char> buffer(4096);
    ssize_t n = ::readlink(path.c_str(), buffer.data(), buffer.size());
    if (n < 0) throw SystemError(errno, "cannot read symlink {}", path.string());
    if (static_cast<size_t>(n) == buffer.size()) throw Error("symlink {} has a target too long", path.string());
    return std::string(buffer.data(), static_cast<size_t>(n));
}

}  // namespace

PackageManifest write_package(const PackageSpec& spec, const fs::path& output) {
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

    fs::path temporary = output;
    temporary += fmt::format(".tmp-{}", ::getpid());
    try {
        auto writer = archive_module().open_writer(temporary.string());
        archive::Header h;
        h.name = kManifestName;
        h.type = 'f';
        h.mode = 0644;
        h.size = manifest_text.size();
        h.mtime = m.source_date_epoch;
        writer->add(h, -1, manifest_text);
        for (size_t i = 0; i < m.entries.size(); ++i) {
            const PackageEntry& e = m.entries[i];
            h = archive::Header{};
            h.name = e.path;
            h.mode = e.mode;
            h.mtime = std::min<std::int64_t>(staged[i].st.st_mtime, m.source_date_epoch);
            h.link = e.target;
            h.size = e.size;
            int fd = -1;
            switch (e.type) {
                case EntryType::dir: h.type = 'd'; break;
                case EntryType::symlink: h.type = 'l'; break;
                case EntryType::hardlink: h.type = 'h'; break;
                case EntryType::file:
                    h.type = 'f';
                    fd = ::open((spec.staged / e.path).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                    if (fd < 0) throw SystemError(errno, "cannot open {}", (spec.staged / e.path).string());
                    break;
            }
            struct Closer {
                int fd;
                ~Closer() {
                    if (fd >= 0) ::close(fd);
                }
            } closer{fd};
            writer->add(h, fd, {});
        }
        writer->close();
        fs::rename(temporary, output);
    } catch (...) {
        fs::remove(temporary, ec);
        throw;
    }
    return m;
}

}  // namespace pkg
