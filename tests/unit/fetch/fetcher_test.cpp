// The fetcher through its API, over file: URLs (no server needed): what it
// refuses before any byte moves, and what it leaves in the cache.

#include "pkg/fetch/fetcher.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "pkg/error.hpp"
#include "support/process.hpp"

namespace {
namespace fs = std::filesystem;

struct Fixture {
    pkgtest::ScratchDir dir;
    fs::path source = fs::path(dir.path()) / "a-1.0.tar.gz";
    Fixture() { std::ofstream(source, std::ios::binary) << "the bytes of a source\n"; }

    pkg::FetchSettings settings() const {
        pkg::FetchSettings s;
        s.cache_dir = fs::path(dir.path()) / "cache";
        s.config.backoff = 0;
        return s;
    }
    pkg::FetchRequest request(const std::string& digest) const {
        pkg::SourceArtifact a;
        a.file = "a-1.0.tar.gz";
        a.digest = digest;
        a.urls = {"file://" + source.string()};
        return {"a", {a}};
    }
};

TEST(Fetcher, RefusesAnArtifactWithoutAPinnedDigest) {
    Fixture f;
    pkg::NullSink sink;
    pkg::Fetcher fetcher(f.settings(), sink);
    try {
        fetcher.fetch({f.request("")});
        FAIL() << "fetched an unpinned artifact";
    } catch (const pkg::VerificationError& e) {
        EXPECT_NE(std::string(e.what()).find("no pinned sha256 digest (pin one with pkg checksum)"), std::string::npos)
            << e.what();
    }
    EXPECT_FALSE(fs::exists(fs::path(f.dir.path()) / "cache" / "a-1.0.tar.gz"));
}

TEST(Fetcher, TakesAnUnpinnedArtifactOnlyWhenAskedAndReportsItsDigest) {
    Fixture f;
    pkg::NullSink sink;
    pkg::FetchSettings s = f.settings();
    s.allow_unpinned = true;
    pkg::Fetcher fetcher(s, sink);
    auto results = fetcher.fetch({f.request("")});
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0].digest, pkg::file_digest(f.source, pkg::DigestAlgorithm::sha256));
    EXPECT_EQ(results[0].size, 22u);
}

TEST(Fetcher, RefusesDistfileNamesThatLeaveTheCache) {
    Fixture f;
    pkg::NullSink sink;
    pkg::Fetcher fetcher(f.settings(), sink);
    for (const char* name : {"../x", ".hidden", "a/b", "x.part", ""}) {
        pkg::FetchRequest r = f.request(std::string(64, 'a'));
        r.artifacts[0].file = name;
        EXPECT_THROW(fetcher.fetch({r}), pkg::VerificationError) << name;
    }
}

TEST(Fetcher, AMismatchLeavesNothingUnderTheFinalName) {
    Fixture f;
    pkg::NullSink sink;
    pkg::Fetcher fetcher(f.settings(), sink);
    EXPECT_THROW(fetcher.fetch({f.request(std::string(64, 'b'))}), pkg::VerificationError);
    EXPECT_FALSE(fs::exists(fs::path(f.dir.path()) / "cache" / "a-1.0.tar.gz"));
    EXPECT_FALSE(fs::exists(fs::path(f.dir.path()) / "cache" / "a-1.0.tar.gz.part"));
}

}  // namespace
