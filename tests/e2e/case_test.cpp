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

#include <gtest/gtest.h>

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
    int exit = 0;
    std::string out;
    std::optional<std::string> err;
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
            if (section == "file") file_name = words.at(1);
            if (section == "run") c.args.assign(words.begin() + 1, words.end());
            if (section == "exit") c.exit = std::stoi(words.at(1));
            continue;
        }
        if (section.empty()) continue;  // leading comments
        body += line + "\n";
    }
    flush();
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
    ASSERT_FALSE(c.args.empty()) << c.name << ": no '== run' line";
    pkgtest::ScratchDir dir;
    bool has_config = false;
    for (const auto& [name, content] : c.files) {
        dir.write(name, content);
        has_config = has_config || name == "pkg.conf";
    }
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
    EXPECT_EQ(r.status, c.exit) << c.name << "\nstdout:\n" << r.out << "stderr:\n" << r.err;
    EXPECT_EQ(r.out, c.out) << c.name << "\nstderr:\n" << r.err;
    if (c.err) {
        std::istringstream lines(*c.err);
        std::string line;
        while (std::getline(lines, line)) {
            EXPECT_NE(r.err.find(line), std::string::npos) << c.name << ": stderr lacks '" << line << "'\n" << r.err;
        }
    }
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
