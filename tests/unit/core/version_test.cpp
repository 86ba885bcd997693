#include "pkg/version.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "pkg/error.hpp"
#include "support/process.hpp"

namespace {

struct Row {
    std::vector<std::string> fields;
    int line;
};

std::vector<Row> read_table(const std::string& name) {
    std::ifstream in(pkgtest::source_dir() + "/tests/data/" + name);
    EXPECT_TRUE(in) << name;
    std::vector<Row> rows;
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (!line.empty() && line[0] == '#') continue;
        Row row{{}, number};
        std::stringstream fields(line);
        std::string field;
        while (std::getline(fields, field, '\t')) row.fields.push_back(field);
        if (!line.empty() && line.back() == '\t') row.fields.push_back("");
        rows.push_back(row);
    }
    return rows;
}

TEST(Vercmp, TableMatchesLibalpmOrder) {
    auto rows = read_table("vercmp.tsv");
    ASSERT_GE(rows.size(), 80u);
    for (const auto& row : rows) {
        ASSERT_EQ(row.fields.size(), 3u) << "vercmp.tsv:" << row.line;
        const std::string& a = row.fields[0];
        const std::string& b = row.fields[1];
        int expected = std::stoi(row.fields[2]);
        EXPECT_EQ(pkg::vercmp(a, b), expected) << "vercmp.tsv:" << row.line << ": " << a << " " << b;
        EXPECT_EQ(pkg::vercmp(b, a), -expected) << "vercmp.tsv:" << row.line << " reversed";
    }
}

TEST(Vercmp, LibalpmSurprisesHold) {
    EXPECT_EQ(pkg::vercmp("1.0", "1..0"), -1);
    EXPECT_EQ(pkg::vercmp("1.0", "1_0"), 0);
    EXPECT_EQ(pkg::vercmp("1.0-1", "1.0"), 0);
    EXPECT_EQ(pkg::vercmp("1.0~rc1", "1.0"), 1);
    EXPECT_EQ(pkg::vercmp("1.0rc1", "1.0"), -1);
}

TEST(Vercmp, EpochDominatesVersionAndRelease) {
    EXPECT_EQ(pkg::vercmp("1:0.1-1", "99.0-99"), 1);
    EXPECT_EQ(pkg::vercmp("0:2.0", "2.0"), 0);
}

TEST(Version, CheckAcceptsAndRejectsAsTabled) {
    auto rows = read_table("versions.tsv");
    ASSERT_GE(rows.size(), 20u);
    for (const auto& row : rows) {
        ASSERT_EQ(row.fields.size(), 2u) << "versions.tsv:" << row.line;
        auto problem = pkg::Version::check(row.fields[0]);
        if (row.fields[1] == "ok") {
            EXPECT_FALSE(problem) << "versions.tsv:" << row.line << ": " << *problem;
        } else {
            ASSERT_TRUE(problem) << "versions.tsv:" << row.line << ": '" << row.fields[0]
                                 << "' was accepted";
            EXPECT_NE(problem->find(row.fields[1]), std::string::npos)
                << "versions.tsv:" << row.line << ": got '" << *problem << "'";
        }
    }
}

TEST(Version, ParseSplitsEpochVersionRelease) {
    auto v = pkg::Version::parse("2:1.2.3-4.1");
    EXPECT_EQ(v.epoch(), "2");
    EXPECT_EQ(v.upstream(), "1.2.3");
    EXPECT_EQ(v.release(), "4.1");
    EXPECT_EQ(v.str(), "2:1.2.3-4.1");
    auto plain = pkg::Version::parse("1.0");
    EXPECT_EQ(plain.epoch(), "");
    EXPECT_EQ(plain.release(), "");
    EXPECT_EQ(plain.str(), "1.0");
}

TEST(Version, ParseThrowsUsageErrorNamingTheText) {
    try {
        pkg::Version::parse("1.0-x");
        FAIL() << "no exception";
    } catch (const pkg::Error& e) {
        EXPECT_EQ(e.kind(), pkg::ErrorKind::usage);
        EXPECT_NE(std::string(e.what()).find("'1.0-x'"), std::string::npos) << e.what();
    }
}

TEST(Version, CompareFollowsVercmp) {
    using pkg::Version;
    EXPECT_EQ(Version::parse("1.0").compare(Version::parse("1.0.1")), -1);
    EXPECT_EQ(Version::parse("1.0-1").compare(Version::parse("1.0")), 0);
    EXPECT_EQ(Version::parse("1:0.1").compare(Version::parse("9.9")), 1);
}

TEST(Version, UpstreamCheckRejectsReleaseAndEpochSeparators) {
    EXPECT_TRUE(pkg::Version::check_upstream("1.0-1"));
    EXPECT_TRUE(pkg::Version::check_upstream("1:1.0"));
    EXPECT_FALSE(pkg::Version::check_upstream("1.0+git1"));
}

}  // namespace
