// The sanitizer build must fail a run on any report: the canary commits
// signed overflow, and UBSan (built with -fno-sanitize-recover=all) must end
// it with a failure status and a "runtime error" report.

#include <gtest/gtest.h>

#include "support/process.hpp"

TEST(SanitizerCanary, ReportFailsTheRun) {
#ifndef PKG_TEST_SANITIZED
    GTEST_SKIP() << "not a sanitizer build";
#else
    auto r = pkgtest::run_process({PKG_TEST_CANARY});
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find("runtime error: signed integer overflow"), std::string::npos) << r.err;
#endif
}
