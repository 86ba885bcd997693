// The man pages: mandoc -T lint is clean, and every command is documented.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/process.hpp"

namespace {

std::string read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

class ManPage : public ::testing::TestWithParam<const char*> {};

TEST_P(ManPage, PassesMandocLint) {
    std::string page = pkgtest::source_dir() + "/man/" + GetParam();
    auto r = pkgtest::run_process({"/usr/bin/mandoc", "-T", "lint", "-W", "warning", page});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(r.out + r.err, "");
}

// On a macro line a double quote delimits arguments and is not printed:
// JSON shown by .Dl or .Ql needs \(dq. The rendering shows what survives.
TEST_P(ManPage, JsonOnMacroLinesKeepsItsQuotes) {
    std::string page = pkgtest::source_dir() + "/man/" + GetParam();
    std::istringstream text(read(page));
    std::string line;
    int number = 0;
    while (std::getline(text, line)) {
        ++number;
        bool macro = line.rfind(".Dl ", 0) == 0 || line.rfind(".Ql ", 0) == 0;
        if (macro && line.find('{') != std::string::npos) {
            EXPECT_EQ(line.find('"'), std::string::npos) << GetParam() << ":" << number << ": " << line;
        }
    }
    auto r = pkgtest::run_process({"/usr/bin/mandoc", "-T", "utf8", page});
    EXPECT_EQ(r.out.find("\u2018x86_64, \u2018"), std::string::npos) << "a nested quote macro garbles a list";
}

INSTANTIATE_TEST_SUITE_P(Pages, ManPage,
                         ::testing::Values("pkg.8", "pkg.conf.5", "port.5", "pkg-package.5", "pkg-db.5", "pkg-bootstrap.8"));

std::vector<std::string> commands_in_help() {
    auto r = pkgtest::run_pkg({"--help"});
    std::vector<std::string> out;
    std::istringstream lines(r.out);
    std::string line;
    bool in_list = false;
    while (std::getline(lines, line)) {
        if (line == "Subcommands:") {
            in_list = true;
            continue;
        }
        if (in_list && line.empty()) break;
        if (in_list) {
            std::istringstream words(line);
            std::string name;
            words >> name;
            out.push_back(name);
        }
    }
    return out;
}

TEST(ManPage, EveryCommandHasASectionInPkg8) {
    std::string page = read(pkgtest::source_dir() + "/man/pkg.8");
    auto commands = commands_in_help();
    ASSERT_GE(commands.size(), 2u);
    for (const auto& name : commands) {
        std::string heading = "\n.It Cm " + name;
        bool found = false;
        for (size_t at = page.find(heading); at != std::string::npos; at = page.find(heading, at + 1)) {
            char next = page[at + heading.size()];
            found = found || next == ' ' || next == '\n';
        }
        EXPECT_TRUE(found) << "pkg.8 has no '.It Cm " << name << "'";
    }
}

TEST(ManPage, ExitStatusTableListsEveryCode) {
    std::string page = read(pkgtest::source_dir() + "/man/pkg.8");
    auto section = page.find(".Sh EXIT STATUS");
    ASSERT_NE(section, std::string::npos);
    for (int code = 0; code <= 8; ++code) {
        EXPECT_NE(page.find(".It " + std::to_string(code) + "\n", section), std::string::npos) << code;
    }
}

}  // namespace
