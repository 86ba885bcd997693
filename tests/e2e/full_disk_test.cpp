// Full disks (issue 16): a root on a small tmpfs mounted in a namespace of
// the test's. A transaction that needs more room than there is is refused
// before anything is written, naming the filesystem and both amounts; one
// whose filesystem fills up while it runs (another process fills it once
// the plan is made) fails with the system's reason and rolls back. Either
// way the root's tree and database are exactly as they were.

#include <gtest/gtest.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/process.hpp"
#include "support/root_state.hpp"

namespace {
namespace fs = std::filesystem;

// `bytes` that zstd cannot shrink.
std::string noise(std::size_t bytes, unsigned seed) {
    std::string out(bytes, '\0');
    for (char& c : out) c = static_cast<char>((seed = seed * 1103515245u + 12345u) >> 24);
    return out;
}

std::string make(const fs::path& base, const std::string& name, std::size_t bytes) {
    fs::path staged = base / ("staged-" + name);
    fs::create_directories(staged / "usr/share" / name);
    std::ofstream(staged / "usr/share" / name / "data", std::ios::binary) << noise(bytes, 7);
    std::ofstream(staged / "usr/share" / name / "small") << name << "\n";
    auto r = pkgtest::run_pkg({"create", "--from", staged.string(), "--name", name, "--pkgver", "1", "--arch", "any",
                               "-o", base.string()});
    if (r.status != 0) throw std::runtime_error(r.err);
    return (base / (name + "-1-1-any.pkg.tar.zst")).string();
}

// The test's body, run in a child in its own mount namespace: "" when every
// expectation held, else what did not.
std::string in_small_filesystem(const fs::path& base, const std::string& small, const std::string& big,
                                const std::string& medium) {
    std::ostringstream problems;
    fs::path root = base / "root";
    if (::mount("tmpfs", root.c_str(), "tmpfs", 0, "size=2m") != 0) return "cannot mount a tmpfs";
    auto pkg = [&](std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
        args.insert(args.begin(), {"--root", root.string(), "-y"});
        pkgtest::ProcessOptions options;
        options.set_env = std::move(env);
        return pkgtest::run_pkg(args, options);
    };
    auto state = [&] { return pkgtest::dump_tree(root) + pkgtest::dump_database(pkgtest::database_file(root)); };
    auto r = pkg({"install", small});
    if (r.status != 0) return "installing a small package failed: " + r.err;
    std::string before = state(), before_tree = pkgtest::dump_tree(root);

    // More than the filesystem holds: refused up front.
    r = pkg({"install", big});
    if (r.status != 1) problems << "a package larger than the filesystem: exit " << r.status << "\n";
    if (r.err.find("not enough space on the filesystem of /") == std::string::npos ||
        r.err.find("KiB there") == std::string::npos || r.err.find("KiB are free") == std::string::npos) {
        problems << "the refusal names no filesystem and amounts: " << r.err << "\n";
    }
    if (state() != before) problems << "a refused install changed the root or the database\n";

    // Room at the plan, none once the transaction runs: the writer is held
    // at a step while the filesystem is filled, then let go. Held at its
    // journal's commit, the journal cannot be written; held at its first
    // create, the files cannot.
    auto fill_during = [&](const std::string& step, const std::string& reason) {
        int gate[2], steps[2];
        if (::pipe(gate) != 0 || ::pipe(steps) != 0) throw std::runtime_error("pipe");
        pid_t writer = ::fork();
        if (writer == 0) {
            ::close(gate[1]);
            ::close(steps[0]);
            std::map<std::string, std::string> env{{"PKGMGR_TEST_FAULT", step + ":pause=" + std::to_string(gate[0])},
                                                   {"PKGMGR_TEST_STEPS", std::to_string(steps[1])}};
            auto w = pkg({"install", medium}, env);
            std::ofstream(base / "writer.err") << w.err;
            ::_exit(w.status);
        }
        ::close(gate[0]);
        ::close(steps[1]);
        std::string seen;
        char c;
        while (seen.find("pause ") == std::string::npos && ::read(steps[0], &c, 1) == 1) seen += c;
        {
            std::ofstream filler(root / "filler", std::ios::binary | std::ios::app);
            std::string block(65536, 'f');
            for (int i = 0; i < 64 && filler.write(block.data(), static_cast<std::streamsize>(block.size())); ++i) {
            }
        }
        if (::write(gate[1], "x", 1) != 1) throw std::runtime_error("write");
        ::close(gate[1]);
        int status = 0;
        ::waitpid(writer, &status, 0);
        ::close(steps[0]);
        std::ifstream in(base / "writer.err");
        std::stringstream err;
        err << in.rdbuf();
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 1) problems << step << ": status " << status << "\n";
        if (err.str().find(reason) == std::string::npos) problems << step << ", the error: " << err.str() << "\n";
        // The files are rolled back at once; the database may be too full to
        // record even that, and then the next pkg finishes the rollback.
        fs::remove(root / "filler");
        if (pkgtest::dump_tree(root) != before_tree) {
            problems << step << ": the root changed\n" << pkgtest::dump_tree(root) << err.str();
        }
        if (!pkgtest::leftovers(root).empty()) problems << step << ": left " << pkgtest::leftovers(root).front() << "\n";
        auto recovered = pkg({"recover"});
        if (recovered.status != 0) problems << step << ": pkg recover: " << recovered.err << "\n";
        if (state() != before) problems << step << ": after recovery the root or the database differ\n";
    };
    fill_during("commit#1", "database or disk is full");
    fill_during("create#1", "No space left on device");
    r = pkg({"install", medium});
    if (r.status != 0) problems << "with room again, the install failed: " << r.err << "\n";
    return problems.str();
}

TEST(FullDisk, RefusedUpFrontOrRolledBackLeavingTheRootAsItWas) {
    if (!pkgtest::can_unshare_mounts()) GTEST_SKIP() << "no mount namespaces here";
    pkgtest::ScratchDir dir;
    fs::path base = dir.path();
    fs::create_directories(base / "root");
    std::string small = make(base, "small", 1024);
    std::string big = make(base, "big", 3u << 20);     // more than the 2 MiB filesystem
    std::string medium = make(base, "medium", 256u << 10);
    pid_t pid = ::fork();
    if (pid == 0) {
        uid_t uid = ::geteuid();
        gid_t gid = ::getegid();
        if (::unshare(CLONE_NEWNS | (uid == 0 ? 0 : CLONE_NEWUSER)) != 0) ::_exit(100);
        if (uid != 0) {
            std::ofstream("/proc/self/setgroups") << "deny";
            std::ofstream("/proc/self/uid_map") << "0 " << uid << " 1";
            std::ofstream("/proc/self/gid_map") << "0 " << gid << " 1";
        }
        if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) ::_exit(101);
        std::string problems;
        try {
            problems = in_small_filesystem(base, small, big, medium);
        } catch (const std::exception& e) {
            problems = e.what();
        }
        std::ofstream(base / "problems") << problems;
        ::_exit(problems.empty() ? 0 : 1);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    std::ifstream in(base / "problems");
    std::stringstream problems;
    problems << in.rdbuf();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status << "\n" << problems.str();
}

}  // namespace
