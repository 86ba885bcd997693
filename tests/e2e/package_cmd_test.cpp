// pkg create and pkg inspect, run as a user would.

#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/process.hpp"
#include "support/tar_builder.hpp"

namespace {
namespace fs = std::filesystem;

struct Staged {
    pkgtest::ScratchDir dir;
    fs::path tree;
    Staged() : tree(fs::path(dir.path()) / "staged") {
        fs::create_directories(tree / "usr/bin");
        fs::create_directories(tree / "etc");
        std::ofstream(tree / "usr/bin/hello") << "#!/bin/sh\necho hello\n";
        chmod((tree / "usr/bin/hello").c_str(), 0755);
        std::ofstream(tree / "etc/hello.conf") << "greeting = hi\n";
        fs::create_symlink("hello", tree / "usr/bin/hi");
    }
};

pkgtest::ProcessResult create(const Staged& s, std::vector<std::string> extra = {}, std::string output = "") {
    std::vector<std::string> args{"create", "--from", s.tree.string(), "--name", "hello", "--pkgver", "1.0",
                                  "--release", "2", "--arch", "x86_64", "--depends", "musl>=1.2",
                                  "--conf-file", "etc/hello.conf", "-o", output.empty() ? s.dir.path() : output};
    args.insert(args.end(), extra.begin(), extra.end());
    pkgtest::ProcessOptions options;
    options.set_env["SOURCE_DATE_EPOCH"] = "1700000000";
    return pkgtest::run_pkg(args, options);
}

TEST(PackageCommands, CreateWritesTheStandardNameAndInspectShowsIt) {
    Staged s;
    auto r = create(s);
    ASSERT_EQ(r.status, 0) << r.err;
    std::string file = s.dir.path() + "/hello-1.0-2-x86_64.pkg.tar.zst";
    EXPECT_EQ(r.out, file + "\n");
    auto shown = pkgtest::run_pkg({"inspect", file});
    ASSERT_EQ(shown.status, 0) << shown.err;
    EXPECT_NE(shown.out.find("Version     : 1.0-2\n"), std::string::npos) << shown.out;
    EXPECT_NE(shown.out.find("Depends     : musl>=1.2\n"), std::string::npos) << shown.out;
    EXPECT_NE(shown.out.find("  file     0644         14  etc/hello.conf  (config)\n"), std::string::npos) << shown.out;
    EXPECT_NE(shown.out.find("  symlink  0777          0  usr/bin/hi -> hello\n"), std::string::npos) << shown.out;
    EXPECT_EQ(shown.out.find("Verified"), std::string::npos);
    auto verified = pkgtest::run_pkg({"inspect", "--verify", file});
    EXPECT_EQ(verified.status, 0) << verified.err;
    EXPECT_NE(verified.out.find("Verified    : every member's"), std::string::npos);
}

TEST(PackageCommands, JsonOutputs) {
    Staged s;
    auto r = create(s, {"--json", "--provides", "greeter"});
    ASSERT_EQ(r.status, 0) << r.err;
    auto created = nlohmann::json::parse(r.out);
    EXPECT_EQ(created["manifest"]["name"], "hello");
    EXPECT_EQ(created["manifest"]["provides"], nlohmann::json({"greeter"}));
    EXPECT_EQ(created["manifest"]["source-date-epoch"], 1700000000);
    auto shown = pkgtest::run_pkg({"--json", "inspect", "--verify", created["file"]});
    ASSERT_EQ(shown.status, 0) << shown.err;
    auto j = nlohmann::json::parse(shown.out);
    EXPECT_EQ(j["packages"][0]["verified"], true);
    EXPECT_EQ(j["packages"][0]["manifest"], created["manifest"]);
}

TEST(PackageCommands, ProgressIsReportedAsEvents) {
    Staged s;
    auto r = create(s, {"--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    std::istringstream lines(r.err);
    std::string line, last;
    int events = 0;
    while (std::getline(lines, line)) {
        auto j = nlohmann::json::parse(line);
        EXPECT_EQ(j["event"], "progress");
        ++events;
        last = line;
    }
    ASSERT_GE(events, 2);
    auto j = nlohmann::json::parse(last);
    EXPECT_EQ(j["finished"], true);
    EXPECT_EQ(j["done"], 35);  // the bytes of both files
    EXPECT_EQ(j["total"], 35);
    auto piped = pkgtest::run_pkg({"inspect", "--verify", nlohmann::json::parse(r.out)["file"]});
    EXPECT_NE(piped.err.find("hello-1.0-2-x86_64.pkg.tar.zst: 35 B\n"), std::string::npos) << piped.err;
}

TEST(PackageCommands, SameTreeTwiceGivesTheSameBytes) {
    Staged s;
    pkgtest::ScratchDir other;
    ASSERT_EQ(create(s, {}, other.path() + "/a.pkg.tar.zst").status, 0);
    ASSERT_EQ(create(s, {}, other.path() + "/b.pkg.tar.zst").status, 0);
    auto cmp = pkgtest::run_process({"/usr/bin/cmp", other.path() + "/a.pkg.tar.zst", other.path() + "/b.pkg.tar.zst"});
    EXPECT_EQ(cmp.status, 0) << cmp.out;
}

TEST(PackageCommands, DigestMismatchExitsSevenOtherRefusalsOne) {
    Staged s;
    ASSERT_EQ(create(s).status, 0);
    std::string file = s.dir.path() + "/hello-1.0-2-x86_64.pkg.tar.zst";
    // Rebuild with other content under the same manifest: swap the package's
    // file for one made from a tree whose hello differs in content, not size.
    Staged t;
    std::ofstream(t.tree / "usr/bin/hello") << "#!/bin/sh\necho HELLO\n";
    chmod((t.tree / "usr/bin/hello").c_str(), 0755);
    ASSERT_EQ(create(t).status, 0);
    std::string other = t.dir.path() + "/hello-1.0-2-x86_64.pkg.tar.zst";
    // Same manifest except the digest: the reader must catch the content.
    auto extract = [](const std::string& f, const std::string& to) {
        return pkgtest::run_process({"/usr/bin/tar", "--zstd", "-xf", f, "-C", to});
    };
    pkgtest::ScratchDir a, b;
    ASSERT_EQ(extract(file, a.path()).status, 0);
    ASSERT_EQ(extract(other, b.path()).status, 0);
    fs::copy_file(fs::path(a.path()) / "+MANIFEST", fs::path(b.path()) / "+MANIFEST",
                  fs::copy_options::overwrite_existing);
    std::string tampered = s.dir.path() + "/tampered.pkg.tar.zst";
    auto slurp = [](const fs::path& p) {
        std::ifstream in(p, std::ios::binary);
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    };
    fs::path from = b.path();
    std::vector<pkgtest::TarMember> members;
    for (std::string name : {"+MANIFEST", "etc", "etc/hello.conf", "usr", "usr/bin", "usr/bin/hello", "usr/bin/hi"}) {
        pkgtest::TarMember m;
        m.name = name;
        struct stat st {};
        ASSERT_EQ(lstat((from / name).c_str(), &st), 0) << name;
        m.mode = st.st_mode & 07777;
        if (S_ISDIR(st.st_mode)) m.type = 'd';
        else if (S_ISLNK(st.st_mode)) m.type = 'l', m.link = fs::read_symlink(from / name).string();
        else m.data = slurp(from / name);
        members.push_back(std::move(m));
    }
    std::ofstream(tampered, std::ios::binary) << pkgtest::build_tar(members);
    auto r = pkgtest::run_pkg({"inspect", "--verify", tampered});
    EXPECT_EQ(r.status, 7) << r.err;
    EXPECT_NE(r.err.find("member 'usr/bin/hello': sha256 mismatch: expected "), std::string::npos) << r.err;
    auto plain = pkgtest::run_pkg({"inspect", "--verify", s.tree.string() + "/usr/bin/hello"});
    EXPECT_EQ(plain.status, 1) << plain.err;
    EXPECT_NE(plain.err.find("corrupt or truncated package"), std::string::npos) << plain.err;
    auto json = pkgtest::run_pkg({"--json", "inspect", "--verify", tampered});
    EXPECT_EQ(nlohmann::json::parse(json.out)["error"]["kind"], "verification");
}

TEST(PackageCommands, CreateUsageErrors) {
    Staged s;
    auto missing = pkgtest::run_pkg({"create", "--name", "x", "--pkgver", "1", "-o", s.dir.path()});
    EXPECT_EQ(missing.status, 2);
    EXPECT_NE(missing.err.find("--from is required"), std::string::npos) << missing.err;
    auto bad_version = pkgtest::run_pkg({"create", "--from", s.tree.string(), "--name", "x", "--pkgver", "1-2",
                                         "-o", s.dir.path()});
    EXPECT_EQ(bad_version.status, 2) << bad_version.err;
    auto bad_arch = pkgtest::run_pkg({"create", "--from", s.tree.string(), "--name", "x", "--pkgver", "1",
                                      "--arch", "sparc", "-o", s.dir.path()});
    EXPECT_EQ(bad_arch.status, 2);
    EXPECT_NE(bad_arch.err.find("unknown architecture 'sparc'"), std::string::npos) << bad_arch.err;
    pkgtest::ProcessOptions bad_epoch;
    bad_epoch.set_env["SOURCE_DATE_EPOCH"] = "yesterday";
    auto r = pkgtest::run_pkg({"create", "--from", s.tree.string(), "--name", "x", "--pkgver", "1", "-o",
                               s.dir.path()}, bad_epoch);
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("SOURCE_DATE_EPOCH"), std::string::npos);
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::vector<std::string> names_in(const fs::path& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> plain(const Staged& s, std::vector<std::string> extra) {
    std::vector<std::string> args{"create", "--from", s.tree.string(), "--name", "hello", "--pkgver", "1.0"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

TEST(PackageCommands, CreateReplacesOnlyARegularFile) {
    Staged s;
    fs::path out = fs::path(s.dir.path()) / "out";
    fs::create_directory(out);
    fs::path fifo = out / "fifo";
    ASSERT_EQ(mkfifo(fifo.c_str(), 0644), 0);
    auto r = pkgtest::run_pkg(plain(s, {"-o", fifo.string()}));
    EXPECT_EQ(r.status, 1);
    EXPECT_TRUE(has(r.err, "refusing to replace " + fifo.string() + ": it is a FIFO, not a regular file")) << r.err;
    fs::create_symlink("/dev/null", out / "link");
    r = pkgtest::run_pkg(plain(s, {"-o", (out / "link").string()}));
    EXPECT_EQ(r.status, 1);
    EXPECT_TRUE(has(r.err, "it is a symbolic link, not a regular file")) << r.err;
    // A directory where the standard name goes is refused by name, not an internal error.
    fs::create_directory(out / "hello-1.0-1-x86_64.pkg.tar.zst");
    r = pkgtest::run_pkg(plain(s, {"--arch", "x86_64", "-o", out.string()}));
    EXPECT_EQ(r.status, 1);
    EXPECT_TRUE(has(r.err, "it is a directory, not a regular file")) << r.err;
    EXPECT_FALSE(has(r.err, "internal error")) << r.err;
    EXPECT_EQ(names_in(out), (std::vector<std::string>{"fifo", "hello-1.0-1-x86_64.pkg.tar.zst", "link"}));
    // A regular file is replaced.
    std::ofstream(out / "old.pkg") << "old";
    r = pkgtest::run_pkg(plain(s, {"-o", (out / "old.pkg").string()}));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_GT(fs::file_size(out / "old.pkg"), 3u);
}

TEST(PackageCommands, CreateAndInspectNameWhatFailedAndWhy) {
    Staged s;
    auto r = pkgtest::run_pkg({"create", "--from", s.dir.path() + "/nonexistent", "--name", "a", "--pkgver", "1", "-o",
                          s.dir.path()});
    EXPECT_EQ(r.status, 1);
    EXPECT_TRUE(has(r.err, "cannot read the staged tree " + s.dir.path() + "/nonexistent: No such file or directory"))
        << r.err;
    r = pkgtest::run_pkg({"create", "--from", (s.tree / "etc/hello.conf").string(), "--name", "a", "--pkgver", "1",
                          "-o", s.dir.path()});
    EXPECT_TRUE(has(r.err, "is a regular file, not a directory")) << r.err;
    r = pkgtest::run_pkg({"inspect", s.dir.path()});
    EXPECT_EQ(r.status, 1);
    EXPECT_TRUE(has(r.err, "refusing package " + s.dir.path() + ": it is a directory, not a regular file")) << r.err;
    fs::path fifo = fs::path(s.dir.path()) / "p.pkg.tar.zst";
    ASSERT_EQ(mkfifo(fifo.c_str(), 0644), 0);
    r = pkgtest::run_pkg({"inspect", fifo.string()});  // must not block on the FIFO
    EXPECT_TRUE(has(r.err, "it is a FIFO, not a regular file")) << r.err;
    r = pkgtest::run_pkg({"--json", "inspect", fifo.string()});
    auto j = nlohmann::json::parse(r.out)["error"];
    EXPECT_EQ(j["path"], fifo.string());
}

TEST(PackageCommands, CreateRefusesASymlinkTargetThatIsNotUtf8) {
    Staged s;
    fs::create_symlink("bad\xff\xfe", s.tree / "usr/bin/bad");
    auto r = pkgtest::run_pkg(plain(s, {"-o", s.dir.path()}));
    EXPECT_EQ(r.status, 1);
    EXPECT_TRUE(has(r.err, "usr/bin/bad: its target is not UTF-8 (pkg-package(5) allows UTF-8 text only)")) << r.err;
    EXPECT_FALSE(has(r.err, "internal error")) << r.err;
}

TEST(PackageCommands, CreateRefusesRelationsPortFiveForbids) {
    Staged s;
    struct Row {
        std::vector<std::string> args;
        std::string error;
    };
    for (const Row& row : std::vector<Row>{
             {{"--release", "0"}, "release '0' is not a whole number from 1"},
             {{"--release", "01"}, "release '01' is not a whole number from 1"},
             {{"--provides", "a>=1"}, "provides 'a>=1': a provided name may carry only '=VERSION'"},
             {{"--provides", "hello=2"}, "provides its own name 'hello=2'"},
             {{"--depends", "hello>=1"}, "depends on itself ('hello>=1')"},
             {{"--provides", "greeter=1", "--depends", "greeter"}, "depends on itself ('greeter', which it provides)"},
             {{"--conflicts", "hello<2"}, "conflicts with itself ('hello<2')"}}) {
        auto args = row.args;
        args.insert(args.end(), {"-o", s.dir.path()});
        auto r = pkgtest::run_pkg(plain(s, args));
        EXPECT_EQ(r.status, 1) << row.error;
        EXPECT_TRUE(has(r.err, row.error)) << r.err;
    }
    EXPECT_EQ(names_in(s.dir.path()), (std::vector<std::string>{"staged"}));
    auto ok = pkgtest::run_pkg(plain(s, {"--provides", "greeter=1", "--conflicts", "other", "-o", s.dir.path()}));
    EXPECT_EQ(ok.status, 0) << ok.err;
}

TEST(PackageCommands, CreateNamesAnUnreadableStagedDirectory) {
    Staged s;
    fs::permissions(s.dir.path(), fs::perms(0755));
    fs::path out = fs::path(s.dir.path()) / "out";
    fs::create_directory(out);
    fs::permissions(out, fs::perms(0777));
    fs::create_directories(s.tree / "usr/share/locked");
    fs::permissions(s.tree / "usr/share/locked", fs::perms(0));
    auto r = pkgtest::run_pkg_unprivileged(plain(s, {"-o", out.string()}));
    fs::permissions(s.tree / "usr/share/locked", fs::perms(0755));
    EXPECT_EQ(r.status, 8) << r.err;
    EXPECT_TRUE(has(r.err, "cannot read the staged directory " + (s.tree / "usr/share/locked").string() +
                               ": Permission denied"))
        << r.err;
    EXPECT_TRUE(names_in(out).empty());
}

TEST(PackageCommands, CreateOnAFullDiskSaysSoAndLeavesNothing) {
    if (!pkgtest::can_unshare_mounts()) GTEST_SKIP() << "no mount namespaces here";
    Staged s;
    {
        std::ofstream big(s.tree / "usr/bin/big", std::ios::binary);
        std::string block(4096, '\0');
        unsigned x = 1;
        for (int i = 0; i < 256; ++i) {  // 1 MiB that zstd cannot shrink
            for (char& c : block) c = static_cast<char>((x = x * 1103515245u + 12345u) >> 24);
            big << block;
        }
    }
    fs::path small = fs::path(s.dir.path()) / "small";
    fs::create_directory(small);
    std::string script = "mount -t tmpfs -o size=256k tmpfs \"$1\" && shift && \"$@\"; status=$?; ls -A \"$0\"; exit $status";
    std::vector<std::string> argv{"/usr/bin/unshare", "-rm", "/bin/sh", "-c", script, small.string(), small.string(),
                                  pkgtest::pkg_binary()};
    for (const auto& a : plain(s, {"-o", small.string()})) argv.push_back(a);
    pkgtest::ProcessOptions options;
    options.unset_env = {"PKGMGR_*"};
    auto r = pkgtest::run_process(argv, options);
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_TRUE(has(r.err, "No space left on device")) << r.err;
    EXPECT_EQ(r.out, "") << "left behind: " << r.out;
}

// Runs pkg create with stderr on a pipe that is read only up to the first
// progress event: the writer then blocks on its events before it can finish,
// so a signal sent now always finds the temporary file in place.
int interrupted_create(const Staged& s, const fs::path& out, int signo) {
    std::vector<std::string> args{pkgtest::pkg_binary(), "--json"};
    for (const auto& a : plain(s, {"-o", out.string()})) args.push_back(a);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int err[2];
    if (pipe2(err, O_CLOEXEC) != 0) return -1;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    pid_t pid = 0;
    int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(err[1]);
    if (rc != 0) return -1;
    std::string seen;
    char c;
    while (seen.find("\"event\":\"progress\"") == std::string::npos && read(err[0], &c, 1) == 1) seen += c;
    kill(pid, signo);
    int status = 0;
    waitpid(pid, &status, 0);
    close(err[0]);
    return WIFSIGNALED(status) ? WTERMSIG(status) : -WEXITSTATUS(status);
}

TEST(PackageCommands, AnInterruptedCreateRemovesItsTemporary) {
    Staged s;
    // 3,000 files: far more progress events than a pipe holds.
    for (int i = 0; i < 3000; ++i) std::ofstream(s.tree / "usr/bin" / ("f" + std::to_string(i))) << i;
    for (int signo : {SIGINT, SIGTERM, SIGHUP}) {
        fs::path out = fs::path(s.dir.path()) / ("out" + std::to_string(signo));
        fs::create_directory(out);
        EXPECT_EQ(interrupted_create(s, out, signo), signo) << "pkg did not die of signal " << signo;
        EXPECT_TRUE(names_in(out).empty()) << "signal " << signo << " left " << names_in(out).front();
    }
}

TEST(PackageCommands, CreateRemovesItsTemporaryWhenTheRenameFails) {
    if (geteuid() != 0) GTEST_SKIP() << "needs a file of another user in a sticky directory";
    Staged s;
    fs::permissions(s.dir.path(), fs::perms(0755));
    fs::path out = fs::path(s.dir.path()) / "sticky";
    fs::create_directory(out);
    fs::permissions(out, fs::perms(01777));
    // root's file in a sticky directory: nobody may create beside it, but not replace it.
    std::ofstream(out / "theirs.pkg.tar.zst") << "not yours";
    auto r = pkgtest::run_pkg_unprivileged(plain(s, {"-o", (out / "theirs.pkg.tar.zst").string()}));
    EXPECT_EQ(r.status, 8) << r.err;
    EXPECT_TRUE(has(r.err, "cannot rename ")) << r.err;
    EXPECT_TRUE(has(r.err, "Operation not permitted")) << r.err;
    EXPECT_EQ(names_in(out), (std::vector<std::string>{"theirs.pkg.tar.zst"}));
}

}  // namespace
