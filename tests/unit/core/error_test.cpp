#include "pkg/error.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <typeinfo>

#include "pkg/package/package.hpp"

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

// with_hint returns the static type it was given, for every error class
// (PackageError included): a thrown hinted error is caught as what it was made.
template <typename E>
void expect_hint_keeps_type(E made) {
    static_assert(std::is_same_v<decltype(pkg::with_hint(std::move(made), "h")), E>);
    try {
        throw pkg::with_hint(std::move(made), "y");
    } catch (const E& e) {
        EXPECT_EQ(e.hint(), "y");
        EXPECT_EQ(typeid(e), typeid(E));
    }
}

TEST(Error, HintKeepsTheThrownType) {
    expect_hint_keeps_type(pkg::Error("x"));
    expect_hint_keeps_type(pkg::UsageError("x"));
    expect_hint_keeps_type(pkg::ProblemsFound("x"));
    expect_hint_keeps_type(pkg::LockBusy("x"));
    expect_hint_keeps_type(pkg::Declined("x"));
    expect_hint_keeps_type(pkg::DependencyError("x"));
    expect_hint_keeps_type(pkg::VerificationError("x"));
    expect_hint_keeps_type(pkg::PrivilegeError("x"));
    expect_hint_keeps_type(pkg::FileError("f", 1, 2, "x"));
    expect_hint_keeps_type(pkg::SystemError(EIO, "x"));
    expect_hint_keeps_type(pkg::PackageError(pkg::ErrorKind::general, "p.pkg", "m", "x"));
    try {
        throw pkg::with_hint(pkg::FileError("f", 1, 2, "x"), "y");
    } catch (const pkg::FileError& e) {
        EXPECT_EQ(e.line(), 1);
        EXPECT_EQ(e.column(), 2);
    }
}

TEST(Error, SystemErrorKindFollowsErrno) {
    EXPECT_EQ(pkg::SystemError(EACCES, "x").kind(), pkg::ErrorKind::privilege);
    EXPECT_EQ(pkg::SystemError(EPERM, "x").kind(), pkg::ErrorKind::privilege);
    EXPECT_EQ(pkg::SystemError(ENOSPC, "x").kind(), pkg::ErrorKind::general);
    EXPECT_EQ(pkg::SystemError(ENOENT, "x").kind(), pkg::ErrorKind::general);
    std::ostringstream out, err;
    EXPECT_EQ(pkgmgr::report_error(pkg::SystemError(EACCES, std::filesystem::path("/r/var"), "cannot create /r/var"),
                                   false, pkgmgr::Style{}, out, err),
              8);
}

TEST(Error, WhereNamesFileLinePathAndMember) {
    pkg::FileError f("ports/a/port.json", 3, 4, "x");
    EXPECT_EQ(f.where().file, "ports/a/port.json");
    EXPECT_EQ(f.where().line, 3);
    EXPECT_EQ(f.where().column, 4);
    pkg::SystemError s(ENOENT, std::filesystem::path("/x/y"), "cannot open {}", "/x/y");
    EXPECT_EQ(s.where().path, "/x/y");
    EXPECT_STREQ(s.what(), "cannot open /x/y: No such file or directory");
    pkg::PackageError p(pkg::ErrorKind::general, "a.pkg.tar.zst", "usr/bin/a", "bad");
    EXPECT_EQ(p.where().path, "a.pkg.tar.zst");
    EXPECT_EQ(p.where().member, "usr/bin/a");
    EXPECT_EQ(p.member(), "usr/bin/a");
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
    pkg::LockBusy e("{} is locked by pid {}", "/var/lib/pkg/lock", 42);
    e.set_hint("wait, or drop --no-wait");
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
              "    \"hint\": null,\n    \"file\": null,\n    \"line\": null,\n    \"column\": null,\n"
              "    \"path\": null,\n    \"member\": null,\n    \"url\": null\n  }\n}\n");
}

TEST(ReportError, JsonCarriesWhereTheErrorHappened) {
    std::ostringstream out, err;
    pkgmgr::report_error(pkg::FileError("pkg.conf", 3, 7, "bad"), true, pkgmgr::Style{}, out, err);
    auto j = nlohmann::json::parse(out.str())["error"];
    EXPECT_EQ(j["file"], "pkg.conf");
    EXPECT_EQ(j["line"], 3);
    EXPECT_EQ(j["column"], 7);
    EXPECT_TRUE(j["path"].is_null());
    out.str("");
    pkgmgr::report_error(pkg::PackageError(pkg::ErrorKind::general, "/p/a.pkg.tar.zst", "usr/a", "bad"), true,
                         pkgmgr::Style{}, out, err);
    j = nlohmann::json::parse(out.str())["error"];
    EXPECT_EQ(j["path"], "/p/a.pkg.tar.zst");
    EXPECT_EQ(j["member"], "usr/a");
    out.str("");
    pkg::VerificationError v("digest mismatch");
    v.set_url("http://127.0.0.1:1/a.tar.gz");
    pkgmgr::report_error(v, true, pkgmgr::Style{}, out, err);
    j = nlohmann::json::parse(out.str())["error"];
    EXPECT_EQ(j["url"], "http://127.0.0.1:1/a.tar.gz");
    EXPECT_EQ(j["exit"], 7);
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

namespace {

TEST(ReportError, AFilesystemErrorNamesItsPathAndReasonNotInternal) {
    std::ostringstream out, err;
    std::filesystem::filesystem_error e("cannot open", std::filesystem::path("/r/x"),
                                        std::make_error_code(std::errc::permission_denied));
    EXPECT_EQ(pkgmgr::report_error(e, false, pkgmgr::Style{}, out, err), 8);
    EXPECT_EQ(err.str(), "error: cannot open: Permission denied [/r/x]\n");
    out.str("");
    pkgmgr::report_error(e, true, pkgmgr::Style{}, out, err);
    EXPECT_EQ(nlohmann::json::parse(out.str())["error"]["path"], "/r/x");
}

}  // namespace
