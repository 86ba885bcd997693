// Transaction scenarios as data, in the spirit of apk-tools' solver tests:
// each tests/scenarios/*/NAME.scenario file holds packages, an initial root
// reached through real pkg commands and edits, one operation, and what the
// root, the database and pkg must show afterwards. One driver runs them all.
//
//   # what the scenario pins
//   == package NAME VERSION[-RELEASE] [as KEY]   (made by pkg create; @KEY in
//   file PATH [CONTENT...]                        arguments is its file; KEY is
//   dir PATH                                      NAME-VERSION[-RELEASE] unless
//   symlink PATH TARGET                           given)
//   mode PATH OCTAL
//   config PATH                                  (a configuration file)
//   depends DEP / provides NAME / conflicts DEP / arch ARCH
//
//   == pkg ARGS...             (a step of the initial state: must exit 0;
//                               --root ROOT --config pkg.conf -y are added)
//   == write PATH              (the body, written into the root)
//   == symlink PATH TARGET / == mkdir PATH / == delete PATH / == fifo PATH
//   == chmod PATH OCTAL
//
//   == config                  (the body is pkg.conf; empty otherwise)
//
//   == env NAME=VALUE          (for the operation alone, e.g. PKGMGR_TEST_FAULT)
//   == run ARGS...             (the operation: --root and --config added)
//   == then ARGS...            (after it, before the checks, e.g. recover:
//                               must exit 0)
//   == exit N                  (required)
//   == stdout                  (exact, optional)
//   == stderr                  (lines that must each appear, optional)
//   == installed               (afterwards, exactly: a line per package,
//                               NAME VERSION-RELEASE REASON [held])
//   == file PATH               (a regular file holding exactly the body)
//   == link PATH TARGET / == dir PATH / == absent PATH / == mode PATH OCTAL
//   == check N                 (pkg check's exit status afterwards; default 0)
//   == unchanged               (the root and database are as before the run)
//
// Whatever the case says, afterwards no name pkg makes (.pkg-*) is left in
// the root, PRAGMA integrity_check is ok, pkg check agrees, and an operation
// that failed (with no '== then') left the root's tree and every database
// table but history exactly as they were.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/process.hpp"
#include "support/root_state.hpp"

namespace {
namespace fs = std::filesystem;

std::vector<std::string> split_words(const std::string& line) {
    std::vector<std::string> out;
    std::istringstream words(line);
    std::string w;
    while (words >> w) out.push_back(w);
    return out;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

struct PackageSpec {
    std::string key, name, version, release = "1";
    std::vector<std::string> lines;  // its body, read when it is made
};

// One section of a scenario: its words and its body.
struct Section {
    std::vector<std::string> words;
    std::string body;
    int line = 0;
};

struct Scenario {
    std::string name;
    std::vector<PackageSpec> packages;
    std::vector<Section> setup;   // in order
    std::vector<std::string> run;
    std::map<std::string, std::string> env;
    std::vector<std::vector<std::string>> then;
    std::string config;
    std::vector<Section> expect;  // in order
    std::optional<int> exit;
    int check = 0;
    std::vector<std::string> problems;
};

Scenario read_scenario(const fs::path& file) {
    Scenario s;
    s.name = file.parent_path().filename().string() + "/" + file.stem().string();
    std::ifstream in(file);
    std::vector<Section> sections;
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (line.rfind("== ", 0) == 0) {
            sections.push_back({split_words(line.substr(3)), "", number});
            if (sections.back().words.empty()) s.problems.push_back("line " + std::to_string(number) + ": an empty section");
            continue;
        }
        if (sections.empty()) continue;  // leading comments
        sections.back().body += line + "\n";
    }
    bool ran = false;
    for (auto& sec : sections) {
        if (sec.words.empty()) continue;
        const std::string& kind = sec.words[0];
        auto where = "line " + std::to_string(sec.line) + ": ";
        auto need = [&](std::size_t n) {
            if (sec.words.size() == n + 1) return true;
            s.problems.push_back(where + "'" + kind + "' needs " + std::to_string(n) + " argument(s)");
            return false;
        };
        if (kind == "package") {
            if (sec.words.size() != 3 && !(sec.words.size() == 5 && sec.words[3] == "as")) {
                s.problems.push_back(where + "'package NAME VERSION[-RELEASE] [as KEY]'");
                continue;
            }
            PackageSpec p;
            p.name = sec.words[1];
            p.version = sec.words[2];
            if (auto dash = p.version.rfind('-'); dash != std::string::npos) {
                p.release = p.version.substr(dash + 1);
                p.version = p.version.substr(0, dash);
            }
            p.key = sec.words.size() == 5 ? sec.words[4] : sec.words[1] + "-" + sec.words[2];
            std::istringstream body(sec.body);
            std::string l;
            while (std::getline(body, l)) {
                if (!l.empty() && l[0] != '#') p.lines.push_back(l);
            }
            s.packages.push_back(std::move(p));
        } else if (kind == "pkg" || kind == "write" || kind == "symlink" || kind == "mkdir" || kind == "delete" ||
                   kind == "fifo" || kind == "chmod") {
            if (ran) {
                s.problems.push_back(where + "'" + kind + "' after '== run' (expected links are '== link')");
                continue;
            }
            if (kind == "pkg" && sec.words.size() < 2) s.problems.push_back(where + "'pkg' needs arguments");
            if ((kind == "write" || kind == "mkdir" || kind == "delete" || kind == "fifo") && !need(1)) continue;
            if ((kind == "symlink" || kind == "chmod") && !need(2)) continue;
            s.setup.push_back(sec);
        } else if (kind == "run") {
            if (ran) s.problems.push_back(where + "a second '== run'");
            ran = true;
            s.run.assign(sec.words.begin() + 1, sec.words.end());
        } else if (kind == "then") {
            if (!ran) s.problems.push_back(where + "'then' before '== run'");
            s.then.emplace_back(sec.words.begin() + 1, sec.words.end());
        } else if (kind == "env") {
            auto eq = sec.words.size() == 2 ? sec.words[1].find('=') : std::string::npos;
            if (eq == std::string::npos) s.problems.push_back(where + "'env NAME=VALUE'");
            else s.env[sec.words[1].substr(0, eq)] = sec.words[1].substr(eq + 1);
        } else if (kind == "config") {
            s.config = sec.body;
        } else if (kind == "exit") {
            if (need(1)) s.exit = std::stoi(sec.words[1]);
        } else if (kind == "check") {
            if (need(1)) s.check = std::stoi(sec.words[1]);
        } else if (kind == "stdout" || kind == "stderr" || kind == "installed" || kind == "unchanged") {
            s.expect.push_back(sec);
        } else if (kind == "file" || kind == "dir" || kind == "absent") {
            if (need(1)) s.expect.push_back(sec);
        } else if (kind == "link" || kind == "mode") {
            if (need(2)) s.expect.push_back(sec);
        } else {
            s.problems.push_back(where + "unknown section '" + kind + "'");
        }
    }
    if (!ran) s.problems.push_back("no '== run' line");
    if (!s.exit) s.problems.push_back("no '== exit' line");
    return s;
}

class Driver {
public:
    explicit Driver(const Scenario& s) : s_(s), base_(dir_.path()), root_(base_ / "root") {
        fs::create_directories(root_);
        dir_.write("pkg.conf", s.config);
    }

    void make_packages() {
        for (const auto& p : s_.packages) {
            fs::path staged = base_ / "staged" / p.key;
            fs::path out = base_ / "packages" / p.key;
            fs::create_directories(staged);
            fs::create_directories(out);
            std::vector<std::string> args{"create", "--from", staged.string(), "--name", p.name, "--pkgver",
                                          p.version, "--release", p.release, "-o", out.string()};
            bool arch = false;
            std::vector<std::pair<std::string, int>> modes;
            for (const auto& line : p.lines) {
                auto w = split_words(line);
                if (w.empty()) continue;
                auto need = [&](std::size_t n) {
                    if (w.size() >= n + 1) return true;
                    ADD_FAILURE() << s_.name << ": package " << p.key << ": '" << line << "' needs " << n
                                  << " argument(s)";
                    return false;
                };
                if (w[0] == "file" && need(1)) {
                    std::string content;
                    if (auto at = line.find(w[1]); line.size() > at + w[1].size() + 1) {
                        content = line.substr(at + w[1].size() + 1) + "\n";
                    }
                    fs::create_directories((staged / w[1]).parent_path());
                    std::ofstream(staged / w[1], std::ios::binary) << content;
                } else if (w[0] == "dir" && need(1)) {
                    fs::create_directories(staged / w[1]);
                } else if (w[0] == "symlink" && need(2)) {
                    fs::create_directories((staged / w[1]).parent_path());
                    fs::create_symlink(w[2], staged / w[1]);
                } else if (w[0] == "mode" && need(2)) {
                    modes.emplace_back(w[1], std::stoi(w[2], nullptr, 8));
                } else if (w[0] == "config" && need(1)) {
                    args.insert(args.end(), {"--conf-file", w[1]});
                } else if ((w[0] == "depends" || w[0] == "provides" || w[0] == "conflicts" || w[0] == "arch") &&
                           need(1)) {
                    std::string value = line.substr(line.find(w[1]));
                    args.insert(args.end(), {"--" + w[0], value});
                    arch = arch || w[0] == "arch";
                } else if (w[0] != "file" && w[0] != "dir" && w[0] != "symlink" && w[0] != "mode" &&
                           w[0] != "config" && w[0] != "depends" && w[0] != "provides" && w[0] != "conflicts" &&
                           w[0] != "arch") {
                    ADD_FAILURE() << s_.name << ": package " << p.key << ": unknown line '" << line << "'";
                }
            }
            for (const auto& [path, mode] : modes) fs::permissions(staged / path, static_cast<fs::perms>(mode));
            if (!arch) args.insert(args.end(), {"--arch", "x86_64"});
            auto r = pkgtest::run_pkg(args);
            ASSERT_EQ(r.status, 0) << s_.name << ": package " << p.key << ": " << r.err;
            for (const auto& entry : fs::directory_iterator(out)) files_[p.key] = entry.path().string();
        }
    }

    std::vector<std::string> expand(const std::vector<std::string>& words) {
        std::vector<std::string> out{"--root", root_.string(), "--config", (base_ / "pkg.conf").string()};
        for (const auto& w : words) {
            if (w.size() > 1 && w[0] == '@') {
                auto it = files_.find(w.substr(1));
                if (it == files_.end()) ADD_FAILURE() << s_.name << ": no package " << w;
                out.push_back(it == files_.end() ? w : it->second);
            } else if (w.rfind("ROOT/", 0) == 0) {
                out.push_back(root_.string() + w.substr(4));
            } else {
                out.push_back(w);
            }
        }
        return out;
    }

    void set_up() {
        for (const auto& sec : s_.setup) {
            const auto& w = sec.words;
            fs::path at = w.size() > 1 ? root_ / w[1] : root_;
            if (w[0] == "pkg") {
                auto args = expand({w.begin() + 1, w.end()});
                args.push_back("-y");
                std::rotate(args.rbegin(), args.rbegin() + 1, args.rend());  // -y first
                auto r = pkgtest::run_pkg(args);
                ASSERT_EQ(r.status, 0) << s_.name << ": line " << sec.line << ": " << r.out << r.err;
            } else if (w[0] == "write") {
                fs::create_directories(at.parent_path());
                std::ofstream(at, std::ios::binary | std::ios::trunc) << sec.body;
            } else if (w[0] == "symlink") {
                fs::create_directories(at.parent_path());
                fs::create_symlink(w[2], at);
            } else if (w[0] == "mkdir") {
                fs::create_directories(at);
            } else if (w[0] == "delete") {
                fs::remove_all(at);
            } else if (w[0] == "fifo") {
                fs::create_directories(at.parent_path());
                ASSERT_EQ(::mkfifo(at.c_str(), 0644), 0) << s_.name << ": " << w[1];
            } else if (w[0] == "chmod") {
                ASSERT_EQ(::chmod(at.c_str(), static_cast<mode_t>(std::stoi(w[2], nullptr, 8))), 0) << w[1];
            }
        }
    }

    void run_and_check() {
        std::string tree_before = pkgtest::dump_tree(root_);
        std::string db_before = pkgtest::dump_database(db_file());
        pkgtest::ProcessOptions options;
        options.set_env = s_.env;
        auto r = pkgtest::run_pkg(expand(s_.run), options);
        std::string context = s_.name + "\n--- stdout\n" + r.out + "--- stderr\n" + r.err;
        EXPECT_EQ(r.status, *s_.exit) << context;
        for (const auto& then : s_.then) {
            auto t = pkgtest::run_pkg(expand(then));
            EXPECT_EQ(t.status, 0) << "then " << then.at(0) << ":\n" << t.out << t.err << context;
        }
        for (const auto& sec : s_.expect) {
            const auto& w = sec.words;
            fs::path at = w.size() > 1 ? root_ / w[1] : root_;
            struct stat st {};
            bool there = ::lstat(at.c_str(), &st) == 0;
            if (w[0] == "stdout") {
                EXPECT_EQ(r.out, sec.body) << context;
            } else if (w[0] == "stderr") {
                std::istringstream lines(sec.body);
                for (std::string l; std::getline(lines, l);) {
                    if (!l.empty()) {
                        EXPECT_NE(r.err.find(l), std::string::npos) << "wanted: " << l << "\n" << context;
                    }
                }
            } else if (w[0] == "installed") {
                EXPECT_EQ(installed(), sec.body) << context;
            } else if (w[0] == "unchanged") {
                EXPECT_EQ(pkgtest::dump_tree(root_), tree_before) << context;
                EXPECT_EQ(pkgtest::dump_database(db_file()), db_before) << context;
            } else if (w[0] == "file") {
                EXPECT_TRUE(there && S_ISREG(st.st_mode)) << w[1] << " is not a file\n" << context;
                if (there && S_ISREG(st.st_mode)) {
                    EXPECT_EQ(slurp(at), sec.body) << w[1] << "\n" << context;
                }
            } else if (w[0] == "dir") {
                EXPECT_TRUE(there && S_ISDIR(st.st_mode)) << w[1] << " is not a directory\n" << context;
            } else if (w[0] == "link") {
                EXPECT_TRUE(there && S_ISLNK(st.st_mode)) << w[1] << " is not a symbolic link\n" << context;
                if (there && S_ISLNK(st.st_mode)) {
                    EXPECT_EQ(fs::read_symlink(at).string(), w[2]) << context;
                }
            } else if (w[0] == "absent") {
                EXPECT_FALSE(there) << w[1] << " is there\n" << context;
            } else if (w[0] == "mode") {
                EXPECT_TRUE(there) << w[1] << " is missing\n" << context;
                EXPECT_EQ(st.st_mode & 07777, static_cast<unsigned>(std::stoi(w[2], nullptr, 8)))
                    << w[1] << "\n" << context;
            }
        }
        if (*s_.exit != 0 && s_.then.empty()) {
            EXPECT_EQ(pkgtest::dump_tree(root_), tree_before) << "a failed operation changed the root\n" << context;
            EXPECT_EQ(pkgtest::dump_database(db_file()), db_before) << "a failed operation changed the database\n"
                                                             << context;
        }
        EXPECT_EQ(pkgtest::leftovers(root_), std::vector<std::string>{}) << context;
        std::string dump = pkgtest::dump_database(db_file());
        EXPECT_EQ(dump.find("(integrity_check failed)"), std::string::npos) << dump << context;
        auto check = pkgtest::run_pkg(expand({"check"}));
        EXPECT_EQ(check.status, s_.check) << "pkg check:\n" << check.out << check.err << context;
    }

private:
    // pkg list --json, a line per package: NAME VERSION-RELEASE REASON [held].
    std::string installed() {
        auto r = pkgtest::run_pkg(expand({"--json", "list"}));
        std::string out;
        auto doc = nlohmann::json::parse(r.out, nullptr, false);
        if (doc.is_discarded()) return "(pkg list --json: " + r.out + r.err + ")";
        for (const auto& p : doc["packages"]) {
            out += p["name"].get<std::string>() + " " + p["version"].get<std::string>() + "-" +
                   p["release"].get<std::string>() + " " + p["reason"].get<std::string>() +
                   (p["held"].get<bool>() ? " held" : "") + "\n";
        }
        return out;
    }
    fs::path db_file() const { return pkgtest::database_file(root_); }
    const Scenario& s_;
    pkgtest::ScratchDir dir_;
    fs::path base_;
    fs::path root_;
    std::map<std::string, std::string> files_;
};

std::vector<fs::path> scenario_files() {
    std::vector<fs::path> out;
    for (const auto& dir : fs::directory_iterator(fs::path(pkgtest::source_dir()) / "tests" / "scenarios")) {
        if (!dir.is_directory()) continue;
        for (const auto& entry : fs::directory_iterator(dir)) {
            if (entry.path().extension() == ".scenario") out.push_back(entry.path());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

class TransactionScenario : public ::testing::TestWithParam<fs::path> {};

TEST_P(TransactionScenario, Runs) {
    Scenario s = read_scenario(GetParam());
    for (const auto& problem : s.problems) ADD_FAILURE() << s.name << ": " << problem;
    ASSERT_TRUE(s.problems.empty());
    Driver driver(s);
    ASSERT_NO_FATAL_FAILURE(driver.make_packages());
    ASSERT_NO_FATAL_FAILURE(driver.set_up());
    driver.run_and_check();
}

INSTANTIATE_TEST_SUITE_P(Scenarios, TransactionScenario, ::testing::ValuesIn(scenario_files()),
                         [](const ::testing::TestParamInfo<fs::path>& info) {
                             std::string name = info.param.parent_path().filename().string() + "_" +
                                                info.param.stem().string();
                             std::replace_if(name.begin(), name.end(), [](char c) { return !std::isalnum(
                                 static_cast<unsigned char>(c)); }, '_');
                             return name;
                         });

// The driver itself: every scenario file is read without a problem, and
// there are enough of them to cover the rules (the issue asks for well
// over 100).
TEST(TransactionScenarios, AreManyAndWellFormed) {
    auto files = scenario_files();
    EXPECT_GE(files.size(), 100u);
}

}  // namespace
