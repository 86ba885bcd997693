// The kill harness (issue 16): pkg SIGKILLs itself, through the
// fault-injecting door, at every mutating step of an install, an upgrade
// and a remove of three packages and some 300 files; from a fixed set of
// those points it also kills recovery at each of recovery's own steps.
// After every kill the next pkg recovers, and the root must be exactly the
// state before or the state after (DESIGN.md: the file tree, and a logical
// dump of the database but history), pkg check clean, integrity_check ok,
// no .pkg- name left. A mutation check breaks recovery through the same
// door ("skip") and requires the harness to notice.
//
//   pkg-kill-harness [--pkg PATH] [--config PKG.CONF] [--jobs N] [--min-points N]
//
// (--config: every pkg run reads it, e.g. to kill the fdatasync fallback.)
//
// It runs on a tmpfs in a mount namespace of its own (a user namespace too
// when not root). Exit status 0 when every point is consistent, the points
// exercised are those expected, every mutation was caught and there were
// at least --min-points (default 3000); 1 otherwise.

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/root_state.hpp"

namespace {
namespace fs = std::filesystem;

std::string pkg_binary = PKG_TEST_BINARY;
std::string pkg_config;  // --config for every pkg run ("": none)

struct Run {
    int status = -1;  ///< exit status, or 128 + signal
    std::string output;
};

// Runs argv with `env` added, output to a file read back; never a shell.
// posix_spawn, not fork: this process has worker threads, and a forked
// child that allocates (setenv, a vector) can deadlock on a lock another
// thread held at the fork, as the sanitizer's allocator did here.
Run run(const std::vector<std::string>& argv, const std::vector<std::string>& env, const fs::path& scratch) {
    fs::path out = scratch / "output";
    std::vector<std::string> environment;
    auto put = [&](const std::string& entry) {
        std::string key = entry.substr(0, entry.find('='));
        std::erase_if(environment, [&](const std::string& e) { return e.substr(0, e.find('=')) == key; });
        environment.push_back(entry);
    };
    for (char** e = environ; *e; ++e) environment.emplace_back(*e);
    for (const auto& e : env) put(e);
    put("NO_COLOR=1");
    std::vector<char*> envp, args;
    for (auto& e : environment) envp.push_back(e.data());
    envp.push_back(nullptr);
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    pid_t pid = -1;
    int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return Run{127, std::string("cannot run ") + argv[0] + ": " + std::strerror(rc)};
    Run r;
    int status = 0;
    ::waitpid(pid, &status, 0);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::ifstream in(out);
    std::stringstream s;
    s << in.rdbuf();
    r.output = s.str();
    return r;
}

Run pkg(const fs::path& root, std::vector<std::string> args, const std::vector<std::string>& env,
        const fs::path& scratch) {
    args.insert(args.begin(), {pkg_binary, "--root", root.string(), "-y"});
    if (!pkg_config.empty()) args.insert(args.begin() + 1, {"--config", pkg_config});
    return run(args, env, scratch);
}

void copy_tree(const fs::path& from, const fs::path& to, const fs::path& scratch) {
    std::error_code ec;
    fs::remove_all(to, ec);
    Run r = run({"/bin/cp", "-a", from.string(), to.string()}, {}, scratch);
    if (r.status != 0) throw std::runtime_error("cp -a " + from.string() + ": " + r.output);
}

std::string state_of(const fs::path& root) {
    return pkgtest::dump_tree(root) + "--\n" + pkgtest::dump_database(pkgtest::database_file(root), false);
}

void write_file(const fs::path& path, const std::string& content, unsigned mode = 0644) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
    fs::permissions(path, static_cast<fs::perms>(mode));
}

// The three packages, two versions each: files added, removed, changed and
// kept; a file that becomes a directory and one the other way; a link
// retargeted; a file moving from b to c; configuration files, one of which
// the user edits before the upgrade.
std::map<std::string, std::string> make_packages(const fs::path& base) {
    std::map<std::string, std::string> files;
    auto make = [&](const std::string& name, const std::string& version, const std::function<void(const fs::path&)>& fill,
                    std::vector<std::string> extra) {
        fs::path staged = base / ("staged-" + name + "-" + version);
        fill(staged);
        std::vector<std::string> args{pkg_binary, "create", "--from", staged.string(), "--name", name, "--pkgver",
                                      version, "--arch", "any", "-o", base.string()};
        args.insert(args.end(), extra.begin(), extra.end());
        Run r = run(args, {}, base);
        if (r.status != 0) throw std::runtime_error("pkg create " + name + ": " + r.output);
        files[name + "-" + version] = (base / (name + "-" + version + "-1-any.pkg.tar.zst")).string();
    };
    std::vector<std::string> a_conf{"--conf-file", "etc/a.conf", "--conf-file", "etc/a-unedited.conf"};
    make("a", "1", [](const fs::path& d) {
        for (int i = 0; i < 50; ++i) write_file(d / "usr/bin" / ("a" + std::to_string(i)), "a1 bin " + std::to_string(i), 0755);
        for (int i = 0; i < 50; ++i) write_file(d / "usr/lib/liba" / std::to_string(i), "lib " + std::to_string(i));
        for (int i = 0; i < 10; ++i) write_file(d / "usr/share/a/old" / std::to_string(i), "old");
        write_file(d / "etc/a.conf", "a = 1\n");
        write_file(d / "etc/a-unedited.conf", "u = 1\n");
        write_file(d / "opt/a/f2d", "a file\n");
        write_file(d / "opt/a/d2f/x", "x\n");
        write_file(d / "opt/a/d2f/y", "y\n");
        fs::create_symlink("../bin", d / "usr/lib/liba/link");
    }, a_conf);
    make("a", "2", [](const fs::path& d) {
        for (int i = 0; i < 50; ++i) write_file(d / "usr/bin" / ("a" + std::to_string(i)), "a2 bin " + std::to_string(i), 0755);
        for (int i = 0; i < 50; ++i) write_file(d / "usr/lib/liba" / std::to_string(i), "lib " + std::to_string(i));
        for (int i = 0; i < 10; ++i) write_file(d / "usr/lib/liba/new" / std::to_string(i), "new");
        write_file(d / "etc/a.conf", "a = 2\n");
        write_file(d / "etc/a-unedited.conf", "u = 2\n");
        write_file(d / "opt/a/f2d/p", "p\n");
        write_file(d / "opt/a/f2d/q/r", "r\n");
        write_file(d / "opt/a/d2f", "now a file\n");
        fs::create_symlink("../share", d / "usr/lib/liba/link");
    }, a_conf);
    make("b", "1", [](const fs::path& d) {
        for (int i = 0; i < 100; ++i) write_file(d / "usr/share/b" / std::to_string(i), "b1 " + std::to_string(i));
        write_file(d / "usr/share/b/moving", "from b\n");
    }, {"--depends", "a"});
    make("b", "2", [](const fs::path& d) {
        for (int i = 0; i < 100; ++i) write_file(d / "usr/share/b" / std::to_string(i), (i % 2 ? "b2 " : "b1 ") + std::to_string(i));
    }, {"--depends", "a>=2"});
    make("c", "1", [](const fs::path& d) {
        for (int i = 0; i < 100; ++i) write_file(d / "usr/share/c" / std::to_string(i), "c " + std::to_string(i));
    }, {});
    make("c", "2", [](const fs::path& d) {
        for (int i = 0; i < 100; ++i) write_file(d / "usr/share/c" / std::to_string(i), "c " + std::to_string(i));
        write_file(d / "usr/share/b/moving", "from c\n");
    }, {});
    return files;
}

struct Transaction {
    std::string name;
    fs::path before;              // a prepared root
    std::vector<std::string> args;
    std::string before_state, after_state;
    std::vector<std::string> steps;  // each step's kind, from a counting run
};

// The steps of a run of `args` over a copy of `before`, from the door's log.
std::vector<std::string> count_steps(const fs::path& before, const std::vector<std::string>& args,
                                     const fs::path& scratch, bool* ok) {
    fs::path root = scratch / "count";
    copy_tree(before, root, scratch);
    fs::path log = scratch / "steps";
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);  // inherited by pkg
    Run r = pkg(root, args, {"PKGMGR_TEST_STEPS=" + std::to_string(fd)}, scratch);
    ::close(fd);
    *ok = r.status == 0;
    if (!*ok) std::fprintf(stderr, "counting run of %s failed: %s\n", args.at(0).c_str(), r.output.c_str());
    std::vector<std::string> kinds;
    std::ifstream in(log);
    for (std::string line; std::getline(in, line);) {
        std::istringstream words(line);
        std::string n, kind;
        words >> n >> kind;
        if (n != "pause") kinds.push_back(kind);
    }
    return kinds;
}

struct Point {
    const Transaction* t;
    int step;              // pkg killed at this step of the transaction
    int recovery_step = 0;  // and then recovery killed at this one of its own (0: not)
    std::string mutation;   // a recovery broken with this fault, which must be caught
    fs::path killed;        // the prepared state after the first kill (recovery points)
};

struct Outcome {
    bool consistent = true;
    bool exercised = false;
    std::string why;
};

Outcome check_point(const Point& p, const fs::path& scratch) {
    Outcome o;
    fs::path root = scratch / "root";
    const Transaction& t = *p.t;
    auto fail = [&](std::string why) {
        o.consistent = false;
        o.why = t.name + " step " + std::to_string(p.step) +
                (p.recovery_step ? ", recovery step " + std::to_string(p.recovery_step) : "") +
                (p.mutation.empty() ? "" : " (" + p.mutation + ")") + ": " + why;
        return o;
    };
    if (p.recovery_step || !p.mutation.empty()) {
        copy_tree(p.killed, root, scratch);
        std::string fault = p.mutation.empty() ? std::to_string(p.recovery_step) + ":kill" : p.mutation;
        Run r = pkg(root, {"recover"}, {"PKGMGR_TEST_FAULT=" + fault}, scratch);
        if (p.mutation.empty() && r.status != 128 + SIGKILL) {
            return fail("recovery was not killed (status " + std::to_string(r.status) + "): " + r.output);
        }
    } else {
        copy_tree(t.before, root, scratch);
        Run r = pkg(root, t.args, {"PKGMGR_TEST_FAULT=" + std::to_string(p.step) + ":kill"}, scratch);
        if (r.status != 128 + SIGKILL) {
            return fail("pkg was not killed (status " + std::to_string(r.status) + "): " + r.output);
        }
    }
    o.exercised = true;
    Run recovered = pkg(root, {"recover"}, {}, scratch);
    if (recovered.status != 0) return fail("pkg recover failed: " + recovered.output);
    std::string now = state_of(root);
    if (now != t.before_state && now != t.after_state) return fail("neither the state before nor after:\n" + now);
    Run check = pkg(root, {"check"}, {}, scratch);
    if (check.status != 0) return fail("pkg check: " + check.output);
    auto left = pkgtest::leftovers(root);
    if (!left.empty()) return fail("left " + left.front());
    return o;
}

// A tmpfs of our own, in a mount namespace (and a user namespace when not root).
bool enter_namespace(const fs::path& dir) {
    uid_t uid = ::geteuid();
    gid_t gid = ::getegid();
    int flags = CLONE_NEWNS | (uid == 0 ? 0 : CLONE_NEWUSER);
    if (::unshare(flags) != 0) {
        std::fprintf(stderr, "kill harness: cannot make a mount namespace: %s\n", std::strerror(errno));
        return false;
    }
    if (uid != 0) {
        std::ofstream("/proc/self/setgroups") << "deny";
        std::ofstream("/proc/self/uid_map") << "0 " << uid << " 1";
        std::ofstream("/proc/self/gid_map") << "0 " << gid << " 1";
    }
    if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        ::mount("pkg-kill-harness", dir.c_str(), "tmpfs", 0, "size=1g,mode=0755") != 0) {
        std::fprintf(stderr, "kill harness: cannot mount a tmpfs on %s: %s\n", dir.c_str(), std::strerror(errno));
        return false;
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    int jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    std::size_t min_points = 3000;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--pkg" && i + 1 < argc) pkg_binary = fs::absolute(argv[++i]).string();
        else if (a == "--config" && i + 1 < argc) pkg_config = fs::absolute(argv[++i]).string();
        else if (a == "--jobs" && i + 1 < argc) jobs = std::max(1, std::atoi(argv[++i]));
        else if (a == "--min-points" && i + 1 < argc) min_points = static_cast<std::size_t>(std::atol(argv[++i]));
        else {
            std::fprintf(stderr, "usage: pkg-kill-harness [--pkg PATH] [--config PKG.CONF] [--jobs N] [--min-points N]\n");
            return 2;
        }
    }
    char templ[] = "/tmp/pkg-kill-harness-XXXXXX";
    if (!::mkdtemp(templ)) return 1;
    fs::path base = templ;
    if (!enter_namespace(base)) return 1;
    auto started = std::chrono::steady_clock::now();
    int status = 0;
    try {
        auto files = make_packages(base);
        fs::path prep = base / "prep";
        fs::create_directories(prep);
        // The prepared states: empty; installed; installed with a.conf edited; upgraded; removed.
        fs::path s0 = base / "s0", s1 = base / "s1", s1e = base / "s1e", s2 = base / "s2", s3 = base / "s3";
        fs::create_directories(s0);
        std::vector<std::string> install{"install", files["a-1"], files["b-1"], files["c-1"]};
        std::vector<std::string> upgrade{"install", files["c-2"], files["b-2"], files["a-2"]};
        std::vector<std::string> remove{"remove", "a", "b", "c"};
        auto step_to = [&](const fs::path& from, const fs::path& to, const std::vector<std::string>& args) {
            copy_tree(from, to, prep);
            Run r = pkg(to, args, {}, prep);
            if (r.status != 0) throw std::runtime_error(args[0] + " failed: " + r.output);
        };
        step_to(s0, s1, install);
        copy_tree(s1, s1e, prep);
        write_file(s1e / "etc/a.conf", "a = mine\n");
        step_to(s1e, s2, upgrade);
        step_to(s2, s3, remove);
        std::vector<Transaction> ts = {
            {"install", s0, install, state_of(s0), state_of(s1), {}},
            {"upgrade", s1e, upgrade, state_of(s1e), state_of(s2), {}},
            {"remove", s2, remove, state_of(s2), state_of(s3), {}},
        };
        bool counted = true;
        for (auto& t : ts) {
            bool ok = false;
            t.steps = count_steps(t.before, t.args, prep, &ok);
            counted = counted && ok;
        }
        if (!counted) throw std::runtime_error("a counting run failed");

        std::vector<Point> points;
        for (const auto& t : ts) {
            for (std::size_t s = 1; s <= t.steps.size(); ++s) points.push_back({&t, static_cast<int>(s)});
        }
        // Recovery kill points: mid-staging, mid-rename, right after the
        // point of no return (the second commit), mid-finish.
        std::size_t recovery_points = 0, mutations = 0;
        int killed_states = 0;
        for (const auto& t : ts) {
            std::vector<int> commits, renames;
            int first_sync = 0;
            for (std::size_t i = 0; i < t.steps.size(); ++i) {
                int step = static_cast<int>(i) + 1;
                if (t.steps[i] == "commit") commits.push_back(step);
                if (t.steps[i] == "rename" && commits.size() == 1) renames.push_back(step);
                if ((t.steps[i] == "syncfs" || t.steps[i] == "fsync") && commits.size() == 1 && !first_sync) first_sync = step;
            }
            if (commits.size() < 3) throw std::runtime_error(t.name + ": not the steps of a transaction");
            std::vector<std::pair<std::string, int>> chosen = {
                {"right after the commit", commits[1] + 1},
                {"mid-finish", (commits[1] + commits[2]) / 2 + 1},
            };
            // A removal stages nothing and changes nothing before its commit:
            // no sync comes between its journal and its commit.
            if (first_sync && first_sync - commits[0] > 1) chosen.insert(chosen.begin(), {"mid-staging", (commits[0] + first_sync + 1) / 2});
            if (!renames.empty()) chosen.push_back({"mid-rename", renames[renames.size() / 2]});
            for (const auto& [label, at] : chosen) {
                fs::path killed = base / ("killed-" + std::to_string(killed_states++));
                copy_tree(t.before, killed, prep);
                Run r = pkg(killed, t.args, {"PKGMGR_TEST_FAULT=" + std::to_string(at) + ":kill"}, prep);
                if (r.status != 128 + SIGKILL) throw std::runtime_error(t.name + " " + label + ": not killed");
                bool ok = false;
                auto steps = count_steps(killed, {"recover"}, prep, &ok);
                if (!ok || steps.empty()) throw std::runtime_error(t.name + " " + label + ": recovery has no steps");
                std::printf("%-8s %-24s at step %4d: recovery has %zu steps\n", t.name.c_str(), label.c_str(), at,
                            steps.size());
                for (std::size_t s = 1; s <= steps.size(); ++s) {
                    points.push_back({&t, at, static_cast<int>(s), "", killed});
                    ++recovery_points;
                }
                // The mutation check: recovery broken through the same door
                // (an old version not put back; a file not removed: the last
                // unlink, since the killed finish did the first ones already).
                std::size_t unlinks = std::count(steps.begin(), steps.end(), std::string("unlink"));
                std::string mutation = label == "mid-rename" && t.name == "upgrade" ? "rename#1:skip"
                                       : label == "mid-finish" && t.name != "install" && unlinks
                                           ? "unlink#" + std::to_string(unlinks) + ":skip"
                                           : "";
                if (!mutation.empty()) {
                    points.push_back({&t, at, 0, mutation, killed});
                    ++mutations;
                }
            }
        }
        std::size_t expected = points.size() - mutations;
        std::printf("kill points expected: %zu (install %zu, upgrade %zu, remove %zu steps; %zu in recovery)\n",
                    expected, ts[0].steps.size(), ts[1].steps.size(), ts[2].steps.size(), recovery_points);
        std::fflush(stdout);

        std::atomic<std::size_t> next{0};
        std::mutex lock;
        std::size_t exercised = 0, inconsistent = 0, caught = 0;
        std::vector<std::string> failures;
        auto point_started = std::chrono::steady_clock::now();
        std::vector<std::thread> workers;
        for (int w = 0; w < jobs; ++w) {
            workers.emplace_back([&, w] {
                fs::path scratch = base / ("worker-" + std::to_string(w));
                fs::create_directories(scratch);
                for (std::size_t i; (i = next++) < points.size();) {
                    Outcome o;
                    try {
                        o = check_point(points[i], scratch);
                    } catch (const std::exception& e) {
                        o.consistent = false;
                        o.why = e.what();
                    }
                    std::lock_guard guard(lock);
                    if (!points[i].mutation.empty()) {
                        if (!o.consistent) ++caught;
                        continue;
                    }
                    if (o.exercised) ++exercised;
                    if (!o.consistent) {
                        ++inconsistent;
                        if (failures.size() < 10) failures.push_back(o.why);
                    }
                }
            });
        }
        for (auto& t : workers) t.join();
        double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - point_started).count();
        for (const auto& f : failures) std::printf("INCONSISTENT: %s\n", f.c_str());
        std::printf("kill points exercised: %zu of %zu, inconsistencies: %zu, mutations caught: %zu of %zu\n",
                    exercised, expected, inconsistent, caught, mutations);
        std::printf("%.1f points/s on %d jobs (%.1f s), %.1f s in all\n", static_cast<double>(points.size()) / seconds,
                    jobs, seconds,
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        if (inconsistent || exercised != expected || caught != mutations || mutations == 0 || expected < min_points) {
            if (expected < min_points) std::printf("fewer than %zu kill points\n", min_points);
            status = 1;
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "kill harness: %s\n", e.what());
        status = 1;
    }
    ::umount2(base.c_str(), MNT_DETACH);
    ::rmdir(base.c_str());
    return status;
}
