#include "pkg/error.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "exit_status.hpp"

namespace {

struct KindRow {
    pkg::ErrorKind kind;
    int code;
    const char* name;
};

class ExitCodeTable : public ::testing::TestWithParam<KindRow> {};

TEST_P(ExitCodeTable, KindMapsToDocumentedCodeAndName) {
    EXPECT_EQ(pkgmgr::exit_code(GetParam().kind), GetParam().code);
    EXPECT_STREQ(pkg::error_kind_name(GetParam().kind), GetParam().name);
}

INSTANTIATE_TEST_SUITE_P(
    PkgEight, ExitCodeTable,
    ::testing::Values(KindRow{pkg::ErrorKind::general, 1, "error"},
                      KindRow{pkg::ErrorKind::usage, 2, "usage"},
                      KindRow{pkg::ErrorKind::problems, 3, "problems"},
                      KindRow{pkg::ErrorKind::lock_busy, 4, "lock-busy"},
                      KindRow{pkg::ErrorKind::declined, 5, "declined"},
                      KindRow{pkg::ErrorKind::dependency, 6, "dependency"},
                      KindRow{pkg::ErrorKind::verification, 7, "verification"},
                      KindRow{pkg::ErrorKind::privilege, 8, "privilege"}));

TEST(Error, FormatsArgumentsWithFmt) {
    pkg::VerificationError e("{}: expected {}, got {}", "http://127.0.0.1/x", "aa", "bb");
    EXPECT_STREQ(e.what(), "http://127.0.0.1/x: expected aa, got bb");
    EXPECT_EQ(e.kind(), pkg::ErrorKind::verification);
}

TEST(Error, HintKeepsTheThrownType) {
    try {
        throw pkg::DependencyError("x").with_hint("y");
    } catch (const pkg::DependencyError& e) {
        EXPECT_EQ(e.hint(), "y");
    }
    try {
        throw pkg::FileError("f", 1, 2, "x").with_hint("y");
    } catch (const pkg::FileError& e) {
        EXPECT_EQ(e.line(), 1);
        EXPECT_EQ(e.hint(), "y");
    }
}

TEST(Error, FileErrorNamesFileLineAndColumn) {
    pkg::FileError full("ports/core/zlib/port.json", 12, 7, "unknown key '{}'", "srcs");
    EXPECT_STREQ(full.what(), "ports/core/zlib/port.json:12:7: unknown key 'srcs'");
    pkg::FileError line_only("pkg.conf", 3, 0, "bad");
    EXPECT_STREQ(line_only.what(), "pkg.conf:3: bad");
}

TEST(Error, SystemErrorAppendsStrerror) {
    pkg::SystemError e(ENOENT, "cannot open {}", "/x");
    EXPECT_STREQ(e.what(), "cannot open /x: No such file or directory");
    EXPECT_EQ(e.error_number(), ENOENT);
}

TEST(ReportError, TextNamesMessageAndHint) {
    pkg::Error e = pkg::LockBusy("{} is locked by pid {}", "/var/lib/pkg/lock", 42);
    e.with_hint("wait, or drop --no-wait");
    std::ostringstream out, err;
    int code = pkgmgr::report_error(e, false, pkgmgr::Style{}, out, err);
    EXPECT_EQ(code, 4);
    EXPECT_EQ(out.str(), "");
    EXPECT_EQ(err.str(), "error: /var/lib/pkg/lock is locked by pid 42\nhint: wait, or drop --no-wait\n");
}

TEST(ReportError, JsonWritesOneErrorObjectOnStdout) {
    pkg::DependencyError e("zlib>=2 is required by curl, ports have zlib 1.3");
    std::ostringstream out, err;
    int code = pkgmgr::report_error(e, true, pkgmgr::Style{}, out, err);
    EXPECT_EQ(code, 6);
    EXPECT_EQ(err.str(), "");
    EXPECT_EQ(out.str(),
              "{\n  \"error\": {\n    \"kind\": \"dependency\",\n    \"exit\": 6,\n"
              "    \"message\": \"zlib>=2 is required by curl, ports have zlib 1.3\",\n"
              "    \"hint\": null\n  }\n}\n");
}

TEST(ReportError, ForeignExceptionIsAnInternalErrorWithStatusOne) {
    std::ostringstream out, err;
    EXPECT_EQ(pkgmgr::report_error(std::logic_error("oops"), false, pkgmgr::Style{}, out, err), 1);
    EXPECT_EQ(err.str(), "error: internal error: oops\n");
}

TEST(ReportError, ColourOnlyWhenStyleSaysSo) {
    std::ostringstream out, err;
    pkgmgr::Style style;
    style.color = true;
    pkgmgr::report_error(pkg::Error("x"), false, style, out, err);
    EXPECT_EQ(err.str(), "\x1b[1;31merror:\x1b[0m x\n");
}

}  // namespace
