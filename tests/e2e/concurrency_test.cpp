// Concurrency (issue 16): 16 pkg processes on one root at once (installs,
// a forced downgrade racing an upgrade, an install racing a removal of the
// same package, removals and queries) serialize on the lock: every writer
// either succeeds or is refused as its place in some serial order demands,
// and the final root is exactly what replaying the finished transactions
// one by one, in the order pkg history lists them, gives. Queries run while
// a writer is held mid-transaction; a writer killed holding the lock leaves
// none behind. Synchronised through the lock and pipes, never by sleeping.

#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/process.hpp"
#include "support/root_state.hpp"

extern char** environ;

namespace {
namespace fs = std::filesystem;

struct Fixture {
    pkgtest::ScratchDir dir;
    fs::path base = dir.path();
    fs::path root = base / "root";
    std::map<std::string, std::string> files;  // NAME-VERSION -> package file

    Fixture() { fs::create_directories(root); }

    void make(const std::string& name, const std::string& version, int count) {
        fs::path staged = base / ("staged-" + name + "-" + version);
        for (int i = 0; i < count; ++i) {
            fs::create_directories(staged / "usr/share" / name);
            std::ofstream(staged / "usr/share" / name / std::to_string(i)) << name << version << i << "\n";
        }
        auto r = pkgtest::run_pkg({"create", "--from", staged.string(), "--name", name, "--pkgver", version, "--arch",
                                   "any", "-o", base.string()});
        ASSERT_EQ(r.status, 0) << r.err;
        files[name + "-" + version] = (base / (name + "-" + version + "-1-any.pkg.tar.zst")).string();
    }

    pkgtest::ProcessResult pkg(const fs::path& at, std::vector<std::string> args) {
        args.insert(args.begin(), {"--root", at.string()});
        return pkgtest::run_pkg(args);
    }
};

// Starts pkg with `args`, stdout and stderr to files named after `index`.
pid_t spawn(const Fixture& f, int index, const std::vector<std::string>& args) {
    std::vector<std::string> all{pkgtest::pkg_binary(), "--root", f.root.string()};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    std::string out = (f.base / ("out-" + std::to_string(index))).string();
    std::string err = (f.base / ("err-" + std::to_string(index))).string();
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid = 0;
    int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    return rc == 0 ? pid : -1;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

TEST(Concurrency, SixteenProcessesSerializeOnTheLock) {
    Fixture f;
    for (int i = 0; i < 8; ++i) ASSERT_NO_FATAL_FAILURE(f.make("p" + std::to_string(i), "1", 20));
    ASSERT_NO_FATAL_FAILURE(f.make("q", "1", 20));
    ASSERT_NO_FATAL_FAILURE(f.make("q", "2", 25));
    ASSERT_NO_FATAL_FAILURE(f.make("r", "1", 20));
    ASSERT_EQ(f.pkg(f.root, {"install", "-y", f.files["p0-1"], f.files["p1-1"], f.files["p2-1"], f.files["q-1"]})
                  .status,
              0);
    fs::path initial = f.base / "initial";
    ASSERT_EQ(pkgtest::run_process({"/bin/cp", "-a", f.root.string(), initial.string()}).status, 0);

    std::vector<std::vector<std::string>> jobs = {
        {"install", "-y", f.files["p3-1"]},
        {"install", "-y", f.files["p4-1"]},
        {"install", "-y", f.files["p5-1"], f.files["p6-1"]},
        {"remove", "-y", "p0"},
        {"remove", "-y", "p1"},
        {"install", "-y", f.files["q-2"]},             // an upgrade
        {"install", "-y", "--force", f.files["q-1"]},  // a reinstall, or a downgrade after it
        {"install", "-y", f.files["r-1"]},
        {"remove", "-y", "r"},                         // before the install: refused
        {"install", "-y", f.files["p7-1"]},
        {"--json", "list"},
        {"owner", "/usr/share/p2/0"},
        {"files", "p2"},
        {"--json", "info", "p2"},
        {"check", "p2"},
        {"history"},
    };
    ASSERT_EQ(jobs.size(), 16u);
    std::vector<pid_t> pids;
    for (std::size_t i = 0; i < jobs.size(); ++i) pids.push_back(spawn(f, static_cast<int>(i), jobs[i]));
    std::vector<int> status(jobs.size());
    for (std::size_t i = 0; i < pids.size(); ++i) {
        ASSERT_GT(pids[i], 0);
        int s = 0;
        waitpid(pids[i], &s, 0);
        status[i] = WIFEXITED(s) ? WEXITSTATUS(s) : 128 + WTERMSIG(s);
    }
    auto err = [&](std::size_t i) { return slurp(f.base / ("err-" + std::to_string(i))); };
    // Every writer succeeds but the removal of r, which fails (6) exactly when it came first.
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        if (i == 8) continue;
        EXPECT_EQ(status[i], 0) << "job " << i << ": " << err(i);
    }
    EXPECT_TRUE(status[8] == 0 || status[8] == 6) << err(8);
    EXPECT_TRUE(nlohmann::json::accept(slurp(f.base / "out-10"))) << slurp(f.base / "out-10");
    EXPECT_EQ(slurp(f.base / "out-11"), "/usr/share/p2/0 is owned by p2 1-1\n");

    // The history, oldest first, is a serial order; replaying it in a fresh
    // copy of the initial root gives exactly the final state.
    auto history = f.pkg(f.root, {"--json", "history"});
    ASSERT_EQ(history.status, 0) << history.err;
    auto doc = nlohmann::json::parse(history.out);
    std::vector<std::string> commands;
    for (const auto& t : doc["transactions"]) commands.push_back(t["command"].get<std::string>());
    ASSERT_GE(commands.size(), 10u);
    commands.erase(commands.begin());  // the initial install
    EXPECT_EQ(commands.size(), status[8] == 0 ? 10u : 9u);
    fs::path replay = f.base / "replay";
    ASSERT_EQ(pkgtest::run_process({"/bin/cp", "-a", initial.string(), replay.string()}).status, 0);
    for (const auto& command : commands) {
        std::istringstream words(command);
        std::vector<std::string> args;
        for (std::string w; words >> w;) args.push_back(w);
        ASSERT_FALSE(args.empty());
        ASSERT_EQ(args[0], "pkg");
        args.erase(args.begin());
        args.insert(args.begin() + 1, "-y");
        auto r = f.pkg(replay, args);
        EXPECT_EQ(r.status, 0) << command << ": " << r.err;
    }
    EXPECT_EQ(pkgtest::dump_tree(f.root), pkgtest::dump_tree(replay));
    EXPECT_EQ(pkgtest::dump_database(pkgtest::database_file(f.root), false),
              pkgtest::dump_database(pkgtest::database_file(replay), false));
    EXPECT_EQ(f.pkg(f.root, {"check"}).status, 0);
    EXPECT_EQ(pkgtest::leftovers(f.root), std::vector<std::string>{});
}

TEST(Concurrency, QueriesRunWhileAWriterIsHeldAndAKilledWriterLeavesNoLock) {
    Fixture f;
    ASSERT_NO_FATAL_FAILURE(f.make("a", "1", 10));
    ASSERT_NO_FATAL_FAILURE(f.make("a", "2", 10));
    ASSERT_EQ(f.pkg(f.root, {"install", "-y", f.files["a-1"]}).status, 0);
    int gate[2], steps[2];
    ASSERT_EQ(pipe(gate), 0);
    ASSERT_EQ(pipe(steps), 0);
    pid_t writer = fork();
    if (writer == 0) {
        ::close(gate[1]);
        ::close(steps[0]);
        setenv("PKGMGR_TEST_FAULT", ("rename#3:pause=" + std::to_string(gate[0])).c_str(), 1);
        setenv("PKGMGR_TEST_STEPS", std::to_string(steps[1]).c_str(), 1);
        int null = ::open("/dev/null", O_WRONLY);
        ::dup2(null, 1);
        ::dup2(null, 2);
        std::string root = f.root.string(), bin = pkgtest::pkg_binary(), file = f.files["a-2"];
        execl(bin.c_str(), bin.c_str(), "--root", root.c_str(), "install", "-y", file.c_str(), nullptr);
        _exit(127);
    }
    ::close(gate[0]);
    ::close(steps[1]);
    std::string seen;
    char c;
    while (seen.find("pause ") == std::string::npos && ::read(steps[0], &c, 1) == 1) seen += c;
    ASSERT_NE(seen.find("pause "), std::string::npos);
    // Held mid-rename with the lock: every query answers from the last commit.
    for (int i = 0; i < 8; ++i) {
        auto r = f.pkg(f.root, {"list"});
        EXPECT_EQ(r.status, 0) << r.err;
        EXPECT_EQ(r.out, "a 1-1\n");
    }
    EXPECT_EQ(f.pkg(f.root, {"owner", "/usr/share/a/0"}).status, 0);
    EXPECT_EQ(f.pkg(f.root, {"--no-wait", "remove", "-y", "a"}).status, 4);
    // Killed holding the lock: the next writer takes it at once and recovers.
    ASSERT_EQ(kill(writer, SIGKILL), 0);
    int s = 0;
    waitpid(writer, &s, 0);
    EXPECT_TRUE(WIFSIGNALED(s));
    ::close(gate[1]);
    ::close(steps[0]);
    auto next = f.pkg(f.root, {"--no-wait", "install", "-y", f.files["a-2"]});
    EXPECT_EQ(next.status, 0) << next.err;
    EXPECT_NE(next.err.find("rolling back an interrupted transaction"), std::string::npos) << next.err;
    EXPECT_EQ(f.pkg(f.root, {"list"}).out, "a 2-1\n");
    EXPECT_EQ(f.pkg(f.root, {"check"}).status, 0);
}

}  // namespace
