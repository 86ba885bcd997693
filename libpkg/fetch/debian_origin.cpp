// Running apt for DebianOrigin: pkg's own apt state, the index update, and
// `apt-get source --download-only`.

#include "pkg/fetch/debian_origin.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <set>

#include "apt_index.hpp"
#include "pkg/error.hpp"
#include "pkg/file_read.hpp"
#include "pkg/process.hpp"

namespace pkg {

namespace {

namespace fs = std::filesystem;

// The state directories whose index this process has updated: once per
// process is enough for a run of pkg, and spares the archive.
std::mutex updated_mutex;
std::set<std::string> updated_states;

// Serialises apt's use of one state among pkg processes (and threads: a
// flock belongs to its open file description): apt's own lock on the lists
// fails at once when taken, and a reader must not see an update half done.
class StateLock {
  public:
    explicit StateLock(const fs::path& state_dir);
    ~StateLock() { ::close(fd_); }
    StateLock(const StateLock&) = delete;
    StateLock& operator=(const StateLock&) = delete;

  private:
    int fd_ = -1;
};

void make_directory(const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
        throw SystemError{ec.value(), dir, "cannot create {}", dir.string()};
}

StateLock::StateLock(const fs::path& state_dir) {
    make_directory(state_dir);
    fs::path file = state_dir / "lock";
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd_ < 0)
        throw SystemError{errno, file, "cannot open {}", file.string()};
    while (::flock(fd_, LOCK_EX) != 0) {
        if (errno != EINTR) {
            int err = errno;
            ::close(fd_);
            throw SystemError{err, file, "cannot lock {}", file.string()};
        }
    }
}

// Writes `text` to `file` unless it holds it already, through a temporary
// name so that an interrupted write never leaves apt half a list.
void write_if_changed(const fs::path& file, const std::string& text) {
    std::error_code ec;
    if (fs::is_regular_file(file, ec) && read_text_file(file, "apt state file") == text)
        return;
    fs::path temporary = file.string() + ".new";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out << text;
        out.close();
        if (!out)
            throw SystemError{errno, temporary, "cannot write {}", temporary.string()};
    }
    if (::rename(temporary.c_str(), file.c_str()) != 0) {
        throw SystemError{errno, file, "cannot rename {} to {}", temporary.string(), file.string()};
    }
}

// What apt said, for a message: its last lines, without the notice that a
// download ran unsandboxed (as root, apt drops to its _apt user only when
// that user can reach the target directory; pkg's state and scratch
// directories are usually private, and the warning is noise).
std::string apt_said(const std::string& output, std::size_t max_lines = 6) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < output.size()) {
        std::size_t end = output.find('\n', start);
        if (end == std::string::npos)
            end = output.size();
        std::string line = output.substr(start, end - start);
        start = end + 1;
        if (line.find_first_not_of(" \t\r") == std::string::npos)
            continue;
        if (line.find("performed unsandboxed") != std::string::npos)
            continue;
        lines.push_back(std::move(line));
    }
    // apt's errors ("E: ...") say what went wrong; its progress lines only
    // when there are none. One line: a message is read on a terminal.
    std::vector<std::string> errors;
    for (const auto& line : lines) {
        if (line.rfind("E: ", 0) == 0) errors.push_back(line.substr(3));
    }
    if (!errors.empty()) lines = errors;
    if (lines.size() > max_lines)
        lines.erase(lines.begin(), lines.end() - static_cast<long>(max_lines));
    std::string out;
    for (const auto& line : lines)
        out += (out.empty() ? "" : "; ") + line;
    return out.empty() ? "(no output)" : out;
}

// The options given to every apt-get and apt-cache call. They move all of
// apt's state into pkg's own directory and leave the host's alone:
// - Dir::Etc::SourceList: our list, not the host's sources.list;
// - Dir::Etc::SourceParts: an empty directory, else apt still reads the
//   host's sources.list.d;
// - Dir::State::Lists: the downloaded indexes (and apt's lock on them,
//   which works unprivileged too, as the directory is ours);
// - Dir::Cache: the binary caches and archives directory;
// - Dir::State::status: an empty dpkg status file: which packages the host
//   has installed is no concern of ours, and the cache builds faster.
// Not needed, found by trying as root and as nobody: Debug::NoLocking
// (every lock apt takes here is in our directories) and APT::Sandbox::User
// (as root apt downloads as _apt when it can, else warns and goes on; an
// unprivileged user never switches). The host's apt.conf.d stays in force:
// proxies and keys are the host's to configure.
std::vector<std::string> apt_options(const fs::path& state) {
    return {"-o", "Dir::Etc::SourceList=" + (state / "sources.list").string(),
            "-o", "Dir::Etc::SourceParts=" + (state / "sources.list.d").string(),
            "-o", "Dir::State::Lists=" + (state / "lists").string(),
            "-o", "Dir::Cache=" + (state / "cache").string(),
            "-o", "Dir::State::status=" + (state / "status").string()};
}

ProgramResult run_apt(const DebianOriginSettings& settings, const char* tool,
                      std::vector<std::string> args, const fs::path& directory) {
    std::optional<fs::path> binary = find_program(tool, settings.search_path);
    if (!binary) {
        throw with_hint(VerificationError("cannot use Debian's archive: {} is not found in {}",
                                          tool, settings.search_path),
                        "install apt, or fetch the source from another origin");
    }
    Program program;
    program.argv = {binary->string(), "-q"};
    for (auto& option : apt_options(settings.state_dir))
        program.argv.push_back(std::move(option));
    for (auto& arg : args)
        program.argv.push_back(std::move(arg));
    // C for messages pkg parses; C.UTF-8 so that file names are not mangled.
    program.environment = {"PATH=" + settings.search_path, "LANG=C.UTF-8", "LC_ALL=C"};
    // The one thing of the caller's environment apt needs: how to reach the
    // network, when the host says so there rather than in apt.conf.
    for (const char* name : {"http_proxy", "https_proxy", "no_proxy"}) {
        if (const char* value = std::getenv(name))
            program.environment.push_back(std::string(name) + "=" + value);
    }
    program.directory = directory;
    // apt-cache showsrc of a large source (linux lists hundreds of binary
    // packages) prints megabytes; what is parsed must be whole.
    program.output_limit = 64u << 20;
    return run_program(program);
}

bool has_sources_index(const fs::path& lists) {
    std::error_code ec;
    for (fs::directory_iterator it(lists, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->path().filename().string().find("_Sources") != std::string::npos)
            return true;
    }
    return false;
}

// A file apt-get source "downloaded" from a file: repository is a symbolic
// link into it; the caller gets a file of its own.
void replace_link_by_copy(const fs::path& file, const std::string& label) {
    std::error_code ec;
    if (!fs::is_symlink(fs::symlink_status(file, ec)))
        return;
    fs::path target = fs::canonical(file, ec);
    fs::path copy = file.parent_path() / ("." + file.filename().string() + ".copy");
    if (!ec)
        fs::copy_file(target, copy, fs::copy_options::overwrite_existing, ec);
    if (ec)
        throw VerificationError("Debian source {}: cannot copy {}: {}", label, file.string(),
                                ec.message());
    if (::rename(copy.c_str(), file.c_str()) != 0) {
        throw SystemError{errno, file, "cannot rename {} to {}", copy.string(), file.string()};
    }
}

}  // namespace

DebianOrigin::DebianOrigin(DebianOriginSettings settings, EventSink& events)
    : settings_(std::move(settings)), events_(events) {}

void DebianOrigin::prepare() {
    const fs::path& state = settings_.state_dir;
    make_directory(state / "sources.list.d");
    make_directory(state / "lists" / "partial");
    make_directory(state / "cache" / "archives" / "partial");
    write_if_changed(state / "status", "");

    std::string list;
    if (settings_.sources_file) {
        list = "# copied by pkg from " + settings_.sources_file->string() + "\n" +
               read_text_file(*settings_.sources_file, "Debian source list");
    } else {
        std::string derived =
            derive_debian_source_list(settings_.host_apt_dir, settings_.host_lists_dir);
        if (derived.empty()) {
            throw with_hint(
                VerificationError(
                    "cannot use Debian's archive: none of the apt sources under {} is Debian's "
                    "archive (judged by the Release files under {} or a Signed-By naming "
                    "Debian's archive keyring)",
                    settings_.host_apt_dir.string(), settings_.host_lists_dir.string()),
                "name a deb-src list of Debian's archive in pkg.conf");
        }
        list = "# derived by pkg from the Debian entries under " + settings_.host_apt_dir.string() +
               "\n" + derived;
    }
    write_if_changed(state / "sources.list", list);

    std::lock_guard guard(updated_mutex);
    std::string key = state.lexically_normal().string();
    if (updated_states.count(key) != 0)
        return;
    ProgramResult result = run_apt(settings_, "apt-get", {"update"}, state);
    if (!result.succeeded()) {
        // One failing entry fails the whole update; the indexes that did
        // arrive still serve.
        if (!has_sources_index(state / "lists")) {
            VerificationError e(
                "cannot update the index of Debian's archive: apt-get update failed ({}): {}",
                result.describe(), apt_said(result.output));
            e.set_path(state.string());
            throw e;
        }
        events_.message(
            {Level::warning, fmt::format("apt-get update failed ({}); going on with the Sources "
                                         "indexes it has: {}",
                                         result.describe(), apt_said(result.output))});
    }
    updated_states.insert(key);
}

std::vector<DebianOrigin::ListedVersion> DebianOrigin::list_versions(const std::string& source,
                                                                     std::string* said) {
    ProgramResult result =
        run_apt(settings_, "apt-cache", {"showsrc", "--only-source", source}, settings_.state_dir);
    if (!result.succeeded()) {
        throw VerificationError("Debian source {}: apt-cache showsrc failed ({}): {}", source,
                                result.describe(), apt_said(result.output));
    }
    if (said)
        *said = apt_said(result.output, 2);
    return parse_showsrc(result.output, source);
}

fs::path DebianOrigin::obtain(const DebianArtifact& artifact, DigestAlgorithm algorithm,
                              const std::string& digest, std::optional<std::uint64_t> size,
                              const fs::path& scratch) {
    const std::string pinned = artifact.source + "=" + artifact.version;
    StateLock lock(settings_.state_dir);
    prepare();

    // The index first: a pinned version leaves it at Debian's point
    // releases, and another version may carry the very same orig file.
    std::string said;
    std::vector<ListedVersion> listed = list_versions(artifact.source, &said);
    if (listed.empty()) {
        throw VerificationError(
            "Debian source {}: the index lists no source package {} (apt-cache said: {})", pinned,
            artifact.source, said);
    }
    std::string why_not;
    const ListedVersion* chosen =
        choose_listed_version(listed, artifact, algorithm, digest, size, why_not);
    if (!chosen)
        throw VerificationError("Debian source {}: {}", pinned, why_not);
    if (chosen->version != artifact.version) {
        bool still_listed = std::any_of(listed.begin(), listed.end(), [&](const auto& v) {
            return v.version == artifact.version;
        });
        events_.message(
            {Level::info,
             fmt::format("Debian source {} {}; taking {} from {}={}, "
                         "which carries the same file",
                         pinned,
                         still_listed ? "does not carry it as pinned" : "is no longer listed",
                         artifact.file, artifact.source, chosen->version)});
    }

    // Always SOURCE=VERSION: left to choose, apt once took a security
    // version whose files answered 404. --only-source: the name is a source
    // package's, never a binary package's to be mapped to its source.
    const std::string request = artifact.source + "=" + chosen->version;
    ProgramResult result = run_apt(
        settings_, "apt-get", {"source", "--download-only", "--only-source", request}, scratch);
    if (!result.succeeded()) {
        throw VerificationError("Debian source {}: apt-get source failed ({}): {}", request,
                                result.describe(), apt_said(result.output));
    }
    fs::path file = scratch / artifact.file;
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(file, ec))) {
        throw VerificationError("Debian source {}: apt-get source did not produce {}: {}", request,
                                artifact.file, apt_said(result.output));
    }
    replace_link_by_copy(file, request);
    return file;
}

std::vector<DebianOrigin::ListedVersion> DebianOrigin::versions(const std::string& source) {
    StateLock lock(settings_.state_dir);
    prepare();
    return list_versions(source, nullptr);
}

}  // namespace pkg
