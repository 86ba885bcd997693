// Building one port (DESIGN.md, "A build"): a build directory of its own,
// the sources unpacked, each phase in the sandbox with its own log, the
// port's test, the packaging checks, and the package.

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "build_script.hpp"
#include "build_tree.hpp"
#include "package_checks.hpp"
#include "pkg/build/build.hpp"
#include "pkg/build/sandbox.hpp"
#include "pkg/fetch/source_unpack.hpp"
#include "pkg/package/package_io.hpp"
#include "pkg/printable.hpp"

namespace pkg {
namespace fs = std::filesystem;
namespace {

void make_directory(const fs::path& dir, mode_t mode) {
    if (::mkdir(dir.c_str(), mode) != 0 && errno != EEXIST) {
        throw SystemError{errno, dir, "cannot create {}", dir.string()};
    }
    // The sandbox's root is not the host's root: it must be able to pass
    // through every directory on the way to what is bound in.
    ::chmod(dir.c_str(), mode);
}

// The last lines of a log, as printable text.
std::string log_tail(const fs::path& log, size_t lines = 20) {
    std::ifstream in(log, std::ios::binary);
    in.seekg(0, std::ios::end);
    std::streamoff size = in.tellg();
    std::streamoff start = std::max<std::streamoff>(0, size - 8192);
    in.seekg(start);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::string> all;
    size_t begin = 0;
    while (begin < text.size()) {
        size_t end = text.find('\n', begin);
        if (end == std::string::npos) end = text.size();
        all.push_back(printable_name(text.substr(begin, end - begin)));
        begin = end + 1;
    }
    if (start > 0 && !all.empty()) all.erase(all.begin());  // a partial first line
    std::string out;
    for (size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) out += all[i] + "\n";
    return out;
}

// A build directory goes; what cannot be removed is left for pkg clean.
void remove_tree(const fs::path& dir) {
    try {
        remove_build_tree(dir);
    } catch (const Error&) {
    }
}

std::string phase_log_name(size_t index, const std::string& phase) {
    return fmt::format("{:02}-{}.log", index, phase);
}

class BuildRun {
public:
    BuildRun(const BuildSettings& settings, const BuildInput& input, const Toolchain& toolchain, EventSink& events)
        : settings_(settings), input_(input), port_(*input.port), toolchain_(toolchain), events_(events) {}

    BuildResult run() {
        events_.build({BuildEvent::Kind::started, port_.name, "", "", port_.full_version()});
        prepare_directory();
        try {
            BuildResult result = build();
            if (!settings_.keep) {
                remove_tree(dir_);
            } else {
                result.directory = dir_;
            }
            return result;
        } catch (const BuildError&) {
            throw;  // the directory stays, for a look at the logs
        } catch (...) {
            if (!settings_.keep) remove_tree(dir_);
            throw;
        }
    }

private:
    void prepare_directory() {
        std::error_code ec;
        fs::create_directories(settings_.build_dir, ec);
        if (ec) throw SystemError{ec.value(), settings_.build_dir, "cannot create {}", settings_.build_dir.string()};
        std::string templ = (settings_.build_dir / (port_.name + "-" + port_.version + ".XXXXXX")).string();
        if (!::mkdtemp(templ.data())) {
            throw SystemError{errno, settings_.build_dir, "cannot create a build directory in {}",
                              settings_.build_dir.string()};
        }
        dir_ = templ;
        ::chmod(dir_.c_str(), 0755);
        // Held while the build runs: pkg clean leaves a locked directory alone.
        lock_fd_ = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (lock_fd_ >= 0) ::flock(lock_fd_, LOCK_EX);
        make_directory(dir_ / "src", 0755);
        make_directory(dir_ / "dest", 0755);
        make_directory(dir_ / "logs", 0755);
    }

    BuildPaths paths() const {
        if (settings_.sandbox) return BuildPaths{};
        BuildPaths p;
        p.source = dir_ / "src";
        p.destdir = dir_ / "dest";
        p.sysroot = settings_.sysroot;
        p.port = port_.dir;
        p.toolchain = toolchain_.bin.empty() ? fs::path() : toolchain_.bin.parent_path();
        p.tmp = dir_ / "tmp";
        return p;
    }

    SandboxSpec sandbox(const BuildPaths& paths, bool in_sysroot) const {
        SandboxSpec spec;
        spec.isolate = settings_.sandbox;
        spec.build_root = in_sysroot ? settings_.sysroot : settings_.build_root;
        spec.environment = build_environment(port_, settings_, toolchain_, paths);
        spec.timeout = settings_.timeout;
        if (!settings_.sandbox) {
            spec.directory = paths.source;
            spec.argv = {"/bin/sh", "-c"};
            return spec;
        }
        spec.directory = "/build";
        spec.argv = {"/bin/sh", "-c"};
        spec.binds.push_back({dir_ / "src", "/build", true});
        spec.binds.push_back({dir_ / "dest", "/destdir", !in_sysroot});
        spec.binds.push_back({port_.dir, "/port", false});
        if ((toolchain_.cross || native_with_sysroot(settings_, toolchain_)) && !in_sysroot) {
            spec.binds.push_back({settings_.sysroot, "/sysroot", false});
        }
        if (!toolchain_.bin.empty() && !in_sysroot) {
            spec.binds.push_back({toolchain_.bin.parent_path(), "/toolchain", false});
        }
        return spec;
    }

    void run_phase(size_t index, const std::string& phase, const std::string& script, bool in_sysroot = false) {
        BuildPaths p = paths();
        fs::path log = dir_ / "logs" / phase_log_name(index, phase);
        events_.build({BuildEvent::Kind::phase, port_.name, phase, log.string(), ""});
        int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0) throw SystemError{errno, log, "cannot create {}", log.string()};
        SandboxSpec spec = sandbox(p, in_sysroot);
        spec.argv.push_back(script);
        spec.output_fd = fd;
        SandboxResult result;
        // The umask reaches the build through the helper; pkg runs no
        // other thread while it builds.
        mode_t old_umask = ::umask(static_cast<mode_t>(settings_.umask.value_or(022)));
        try {
            result = run_sandboxed(spec);
        } catch (...) {
            ::umask(old_umask);
            ::close(fd);
            throw;
        }
        ::umask(old_umask);
        ::close(fd);
        if (!result.succeeded()) {
            std::string why = result.describe(settings_.timeout);
            events_.build({BuildEvent::Kind::failed, port_.name, phase, log.string(), why});
            std::string tail = log_tail(log);
            std::string indented;
            for (size_t at = 0; at < tail.size();) {
                size_t end = tail.find('\n', at);
                indented += "  | " + tail.substr(at, end - at) + "\n";
                at = end == std::string::npos ? tail.size() : end + 1;
            }
            throw with_hint(BuildError(port_.name, phase, log, tail,
                                       fmt::format("building {}: the {} phase failed ({}); the end of its log, {}:\n{}",
                                                   port_.name, phase, why, log.string(), indented)),
                            "the build directory " + dir_.string() + " is kept; pkg clean removes it");
        }
    }

    void unpack() {
        for (size_t i = 0; i < port_.sources.size() && i < input_.sources.size(); ++i) {
            const Source& source = port_.sources[i];
            const FetchResult& fetched = input_.sources[i];
            const Artifact* alternative = fetched.alternative >= 0 &&
                                                  static_cast<size_t>(fetched.alternative) < source.alternatives.size()
                                              ? &source.alternatives[static_cast<size_t>(fetched.alternative)]
                                              : nullptr;
            alternatives_.push_back(alternative);
            unpack_source(fetched.file, dir_ / "src", alternative ? alternative->unpack : source.unpack);
        }
        if (settings_.sandbox) {
            give_to_sandbox(dir_ / "src");
            give_to_sandbox(dir_ / "dest");
        } else {
            make_directory(dir_ / "tmp", 0700);
        }
    }

    // The port's smoke test. What is built for another system runs only
    // there: in the sysroot, when it has a shell to run the test with.
    void test(size_t index) {
        if (port_.test.empty()) return;
        bool foreign = toolchain_.cross;
        if (!foreign) {
            run_phase(index, "check", "set -e\n" + port_.test + "\n");
            return;
        }
        struct stat st{};
        if (!settings_.sandbox || ::stat((settings_.sysroot / "bin/sh").c_str(), &st) != 0) {
            warnings_.push_back(fmt::format("the test was not run: what is built for {} runs only in its root, {}, "
                                            "which has no /bin/sh yet{}",
                                            toolchain_.target, settings_.sysroot.string(),
                                            settings_.sandbox ? "" : " (and --no-sandbox cannot enter it)"));
            events_.build({BuildEvent::Kind::warning, port_.name, "check", "", warnings_.back()});
            return;
        }
        run_phase(index, "check", "set -e\n" + port_.test + "\n", true);
    }

    // What pkg itself hands the shell, the port's build script and patches,
    // must be regular files of the port: a link to /dev/zero or out of the
    // tree, or a FIFO, would hang the build or read what is not the port's.
    void check_port_files() const {
        std::vector<fs::path> files;
        if (::access((port_.dir / "build").c_str(), F_OK) == 0 || errno != ENOENT) files.push_back(port_.dir / "build");
        auto add_patches = [&](const std::vector<PatchRef>& patches) {
            for (const auto& p : patches) files.push_back(port_.dir / "patches" / p.file);
        };
        add_patches(port_.patches);
        for (const Artifact* a : alternatives_) {
            if (a) add_patches(a->patches);
        }
        for (const auto& file : files) {
            struct stat st{};
            if (::lstat(file.c_str(), &st) != 0) throw SystemError{errno, file, "cannot read {}", file.string()};
            if (!S_ISREG(st.st_mode)) {
                throw Error("{}: {} is not a regular file of the port (a {}); pkg runs only the port's own files",
                            port_.name, file.string(), S_ISLNK(st.st_mode) ? "symbolic link" : "special file");
            }
        }
    }

    BuildResult build() {
        unpack();
        check_port_files();
        std::vector<BuildPhase> phases = build_phases(port_, alternatives_, toolchain_, paths());
        size_t index = 1;
        for (const auto& phase : phases) run_phase(index++, phase.name, phase.script);
        test(index);
        return package();
    }

    BuildResult package() {
        DestdirCheck check;
        check.destdir = dir_ / "dest";
        check.forbidden_paths.push_back(dir_.string());
        if (settings_.sysroot != "/") check.forbidden_paths.push_back(settings_.sysroot.string());
        check.sysroot = settings_.sysroot;
        check.setuid_allowed = port_.setuid_files;
        DestdirFindings findings = check_destdir(check);
        for (const auto& w : findings.warnings) {
            warnings_.push_back(w);
            events_.build({BuildEvent::Kind::warning, port_.name, "package", "", w});
        }
        if (!findings.errors.empty()) {
            std::string list;
            for (const auto& e : findings.errors) list += "\n  " + e;
            throw with_hint(Error("{} cannot be packaged:{}", port_.name, list),
                            "fix the port's build; --keep keeps the build directory for a look");
        }
        PackageSpec spec;
        spec.staged = dir_ / "dest";
        PackageManifest& m = spec.metadata;
        m.name = port_.name;
        m.version = port_.epoch.empty() ? port_.version : port_.epoch + ":" + port_.version;
        m.release = port_.release;
        m.arch = triplet_arch(toolchain_.target);
        m.target = toolchain_.target;
        for (const Dependency* d : port_.depends_of(DependencyKind::run)) m.depends.push_back(d->str());
        for (const auto& d : port_.provides) m.provides.push_back(d.str());
        for (const auto& d : port_.conflicts) m.conflicts.push_back(d.str());
        m.port_hash = input_.port_hash;
        m.source_date_epoch = port_.source_date_epoch;
        spec.config_files = port_.config_files;
        fs::path output = package_path(settings_, port_, toolchain_);
        std::error_code ec;
        fs::create_directories(output.parent_path(), ec);
        if (ec) throw SystemError{ec.value(), output.parent_path(), "cannot create {}", output.parent_path().string()};
        events_.build({BuildEvent::Kind::phase, port_.name, "package", output.string(), ""});
        BuildResult result;
        result.manifest = write_package(spec, output, &events_);
        record_build(output);
        result.package = output;
        result.warnings = warnings_;
        events_.build({BuildEvent::Kind::packaged, port_.name, "", output.string(), ""});
        return result;
    }

    // What the binary cache compares: beside the package, its port hash,
    // target and toolchain.
    void record_build(const fs::path& package) {
        fs::path record = package;
        record += ".build";
        fs::path temporary = record;
        temporary += ".tmp";
        {
            std::ofstream out(temporary, std::ios::trunc);
            out << "port-hash " << input_.port_hash << "\ntarget " << toolchain_.target << "\ntoolchain "
                << toolchain_.id << "\n";
            out.close();
            if (!out) throw SystemError{errno, temporary, "cannot write {}", temporary.string()};
        }
        if (::rename(temporary.c_str(), record.c_str()) != 0) {
            throw SystemError{errno, record, "cannot write {}", record.string()};
        }
    }

    const BuildSettings& settings_;
    const BuildInput& input_;
    const Port& port_;
    const Toolchain& toolchain_;
    EventSink& events_;
    fs::path dir_;
    std::vector<const Artifact*> alternatives_;
    std::vector<std::string> warnings_;
    int lock_fd_ = -1;

public:
    ~BuildRun() {
        if (lock_fd_ >= 0) ::close(lock_fd_);
    }
};

}  // namespace

BuildError::BuildError(std::string port, std::string phase, fs::path log, std::string tail, std::string what)
    : Error(ErrorKind::general, std::move(what)),
      port_(std::move(port)),
      phase_(std::move(phase)),
      log_(std::move(log)),
      tail_(std::move(tail)) {
    set_path(log_.string());
}

fs::path package_path(const BuildSettings& settings, const Port& port, const Toolchain& toolchain) {
    PackageManifest m;
    m.name = port.name;
    m.version = port.epoch.empty() ? port.version : port.epoch + ":" + port.version;
    m.release = port.release;
    m.arch = triplet_arch(toolchain.target);
    return settings.packages_dir / toolchain.target / m.file_name();
}

std::optional<BuildResult> find_built(const BuildSettings& settings, const Port& port, const std::string& port_hash,
                                      const Toolchain& toolchain) {
    fs::path package = package_path(settings, port, toolchain);
    fs::path record = package;
    record += ".build";
    std::ifstream in(record);
    if (!in) return std::nullopt;
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::string expected = "port-hash " + port_hash + "\ntarget " + toolchain.target + "\ntoolchain " + toolchain.id + "\n";
    if (text != expected) return std::nullopt;
    try {
        BuildResult result;
        result.manifest = read_package_manifest(package);
        if (result.manifest.port_hash != port_hash || result.manifest.target != toolchain.target) return std::nullopt;
        result.package = package;
        result.reused = true;
        return result;
    } catch (const Error&) {
        return std::nullopt;  // gone or damaged: built again
    }
}

BuildResult build_port(const BuildSettings& settings, const BuildInput& input, const Toolchain& toolchain,
                       EventSink& events) {
    return BuildRun(settings, input, toolchain, events).run();
}

}  // namespace pkg
