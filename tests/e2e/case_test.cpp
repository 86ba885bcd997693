// Data-driven end-to-end cases, in the spirit of apk-tools' solver tests:
// each tests/cases/*/NAME.case file holds a small ports tree, a pkg command
// and its expected exit status and output. The runner writes the files to a
// scratch directory, runs the real pkg there, and compares.
//
//   # what the case pins
//   == file ports/core/a/port.json     (any number of files)
//   ...
//   == run deps --order a              (arguments; --config pkg.conf is added,
//                                       and an empty pkg.conf written if none;
//                                       --ports ports unless the case gives --ports)
//   == exit 0
//   == stdout                          (exact)
//   ...
//   == stderr                          (optional: lines that must appear)
//   ...
//
// Hostile trees add entries that a text file cannot hold:
//   == symlink PATH TARGET             (a symbolic link, TARGET kept as written)
//   == fifo PATH                       (a named pipe)
//   == chmod PATH MODE                 (octal, after every file is written)
//   == chain N                         (ports c0 ... cN-1 in ports/chain/, each
//                                       needing the next to build)
// Every other section name is an error, and '== exit' is required.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <fstream>
#include <sstream>

#include "support/process.hpp"

namespace {
namespace fs = std::filesystem;

struct Case {
    std::string name;
    std::vector<std::pair<std::string, std::string>> files;
    std::vector<std::string> args;
    std::optional<int> exit;
    std::string out;
    std::optional<std::string> err;
    std::vector<std::pair<std::string, std::string>> symlinks;  // path, target
    std::vector<std::string> fifos;
    std::vector<std::pair<std::string, int>> modes;
    int chain = 0;
    std::vector<std::string> problems;  // the case file's own mistakes
};

std::vector<std::string> split_words(const std::string& line) {
    std::vector<std::string> out;
    std::istringstream words(line);
    std::string w;
    while (words >> w) out.push_back(w);
    return out;
}

Case read_case(const fs::path& file) {
    Case c;
    c.name = file.parent_path().filename().string() + "/" + file.stem().string();
    std::ifstream in(file);
    std::string line, section, body;
    std::string file_name;
    auto flush = [&] {
        if (section == "file") c.files.emplace_back(file_name, body);
        else if (section == "stdout") c.out = body;
        else if (section == "stderr") c.err = body;
        body.clear();
    };
    while (std::getline(in, line)) {
        if (line.rfind("== ", 0) == 0) {
            flush();
            auto words = split_words(line.substr(3));
            section = words.empty() ? "" : words[0];
            auto need = [&](std::size_t n) {
                if (words.size() == n + 1) return true;
                c.problems.push_back("'" + line + "' needs " + std::to_string(n) + " argument(s)");
                return false;
            };
            if (section == "file") {
                if (need(1)) file_name = words[1];
            } else if (section == "run") {
                c.args.assign(words.begin() + 1, words.end());
            } else if (section == "exit") {
                if (need(1)) c.exit = std::stoi(words[1]);
            } else if (section == "symlink") {
                if (need(2)) c.symlinks.emplace_back(words[1], words[2]);
            } else if (section == "fifo") {
                if (need(1)) c.fifos.push_back(words[1]);
            } else if (section == "chmod") {
                if (need(2)) c.modes.emplace_back(words[1], std::stoi(words[2], nullptr, 8));
            } else if (section == "chain") {
                if (need(1)) c.chain = std::stoi(words[1]);
            } else if (section != "stdout" && section != "stderr") {
                c.problems.push_back("unknown section '" + line + "'");
            }
            continue;
        }
        if (section.empty()) continue;  // leading comments
        body += line + "\n";
    }
    flush();
    if (!c.exit) c.problems.push_back("no '== exit' line");
    return c;
}

std::vector<fs::path> case_files() {
    std::vector<fs::path> out;
    for (const auto& dir : fs::directory_iterator(fs::path(pkgtest::source_dir()) / "tests" / "cases")) {
        for (const auto& entry : fs::directory_iterator(dir)) {
            if (entry.path().extension() == ".case") out.push_back(entry.path());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

class PortCase : public ::testing::TestWithParam<fs::path> {};

TEST_P(PortCase, Runs) {
    Case c = read_case(GetParam());
    for (const auto& problem : c.problems) ADD_FAILURE() << c.name << ": " << problem;
    ASSERT_TRUE(c.problems.empty());
    ASSERT_FALSE(c.args.empty()) << c.name << ": no '== run' line";
    pkgtest::ScratchDir dir;
    bool has_config = false;
    for (const auto& [name, content] : c.files) {
        dir.write(name, content);
        has_config = has_config || name == "pkg.conf";
    }
    fs::path root(dir.path());
    for (const auto& [name, target] : c.symlinks) {
        fs::create_directories((root / name).parent_path());
        fs::create_symlink(target, root / name);
    }
    for (const auto& name : c.fifos) {
        fs::create_directories((root / name).parent_path());
        ASSERT_EQ(::mkfifo((root / name).c_str(), 0644), 0) << name;
    }
    for (const auto& [name, mode] : c.modes) {
        ASSERT_EQ(::chmod((root / name).c_str(), static_cast<mode_t>(mode)), 0) << name;
    }
    for (int i = 0; i < c.chain; ++i) {
        std::string next = i + 1 < c.chain ? "\"c" + std::to_string(i + 1) + "\"" : "";
        dir.write("ports/chain/c" + std::to_string(i) + "/port.json",
                  "{\"name\": \"c" + std::to_string(i) +
                      "\", \"version\": \"1.0\", \"release\": 1, \"summary\": \"A link\", "
                      "\"license\": \"MIT\", \"build\": {\"style\": \"make\"}, "
                      "\"depends\": {\"build\": [" + next + "]}}\n");
    }
    for (const auto& [name, target] : c.symlinks) has_config = has_config || name == "pkg.conf";
    for (const auto& name : c.fifos) has_config = has_config || name == "pkg.conf";
    if (!has_config) dir.write("pkg.conf", "");
    fs::create_directories(fs::path(dir.path()) / "ports");
    std::vector<std::string> args{"--config", "pkg.conf"};
    if (std::find(c.args.begin(), c.args.end(), "--ports") == c.args.end()) {
        args.insert(args.end(), {"--ports", "ports"});
    }
    args.insert(args.end(), c.args.begin(), c.args.end());
    pkgtest::ProcessOptions options;
    options.cwd = dir.path();
    auto r = pkgtest::run_pkg(args, options);
    EXPECT_EQ(r.status, *c.exit) << c.name << "\nstdout:\n" << r.out << "stderr:\n" << r.err;
    EXPECT_EQ(r.out, c.out) << c.name << "\nstderr:\n" << r.err;
    if (c.err) {
        std::istringstream lines(*c.err);
        std::string line;
        while (std::getline(lines, line)) {
            EXPECT_NE(r.err.find(line), std::string::npos) << c.name << ": stderr lacks '" << line << "'\n" << r.err;
        }
    }
}

// The runner itself: a misspelt section or a missing exit status must fail
// the case rather than pass it silently.
TEST(CaseRunner, RefusesUnknownSectionsAndAMissingExit) {
    pkgtest::ScratchDir dir;
    Case misspelt = read_case(dir.write("t/misspelt.case", "== run search a\n== exit 0\n== stdot\nx\n"));
    ASSERT_EQ(misspelt.problems.size(), 1u);
    EXPECT_NE(misspelt.problems[0].find("unknown section '== stdot'"), std::string::npos);
    Case no_exit = read_case(dir.write("t/no-exit.case", "== run search a\n== stdout\n"));
    ASSERT_EQ(no_exit.problems.size(), 1u);
    EXPECT_EQ(no_exit.problems[0], "no '== exit' line");
    Case good = read_case(dir.write("t/good.case", "# ok\n== fifo p\n== symlink a b\n== chain 3\n== run search a\n== exit 2\n== stdout\nx\n"));
    EXPECT_TRUE(good.problems.empty());
    EXPECT_EQ(*good.exit, 2);
    EXPECT_EQ(good.out, "x\n");
    EXPECT_EQ(good.chain, 3);
}

INSTANTIATE_TEST_SUITE_P(Cases, PortCase, ::testing::ValuesIn(case_files()),
                         [](const ::testing::TestParamInfo<fs::path>& info) {
                             std::string name = info.param.parent_path().filename().string() + "_" +
                                                info.param.stem().string();
                             for (char& ch : name) {
                                 if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                             }
                             return name;
                         });

}  // namespace
