#include "pkg/digest.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "pkg/error.hpp"
#include "pkg/module.hpp"
#include "support/process.hpp"

namespace {

TEST(Digest, KnownVectors) {
    pkg::Hasher empty(pkg::DigestAlgorithm::sha256);
    EXPECT_EQ(empty.finish(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    pkg::Hasher abc(pkg::DigestAlgorithm::sha256);
    abc.update("a");
    abc.update("bc");
    EXPECT_EQ(abc.finish(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    pkg::Hasher abc512(pkg::DigestAlgorithm::sha512);
    abc512.update("abc");
    EXPECT_EQ(abc512.finish(),
              "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
              "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

TEST(Digest, FileDigestMatchesStreamedDigest) {
    pkgtest::ScratchDir dir;
    std::string content(300000, 'x');
    std::string file = dir.write("big", content);
    pkg::Hasher h(pkg::DigestAlgorithm::sha256);
    h.update(content);
    EXPECT_EQ(pkg::file_digest(file, pkg::DigestAlgorithm::sha256), h.finish());
}

TEST(Digest, MissingFileNamesThePath) {
    try {
        pkg::file_digest("/nonexistent/zlib.tar.gz", pkg::DigestAlgorithm::sha256);
        FAIL();
    } catch (const pkg::Error& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/zlib.tar.gz"), std::string::npos);
    }
}

TEST(Digest, NamesAndLengths) {
    EXPECT_EQ(pkg::digest_from_name("sha512"), pkg::DigestAlgorithm::sha512);
    EXPECT_FALSE(pkg::digest_from_name("md5"));
    EXPECT_EQ(pkg::digest_hex_length(pkg::DigestAlgorithm::sha256), 64u);
}

TEST(Modules, LibcryptoArrivesOnlyWithTheDigestModule) {
    // A fresh process that links libpkg but not libcrypto: the digest module
    // brings libcrypto in when first used, and not before.
    auto r = pkgtest::run_process({PKG_TEST_MODULE_PROBE});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "before: libcrypto no, digest.so no\n"
                     "after: libcrypto yes, digest.so yes\n");
}

TEST(Modules, UnknownModuleIsAClearError) {
    try {
        pkg::module_symbol("no-such-module", "x");
        FAIL();
    } catch (const pkg::Error& e) {
        EXPECT_NE(std::string(e.what()).find("no-such-module.so"), std::string::npos) << e.what();
    }
}

}  // namespace
