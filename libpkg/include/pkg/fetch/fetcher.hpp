#pragma once

// Fetching sources (DESIGN.md, "A build": fetch): every artifact tried over
// its origins in order, downloads in parallel, resumed, retried, capped and
// verified while they arrive; nothing unverified is ever under its final
// name in the cache (pkg.conf(5), FETCHING).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pkg/config.hpp"
#include "pkg/events.hpp"
#include "pkg/export.hpp"
#include "pkg/fetch/origins.hpp"

namespace pkg {

/// Obtains a Debian artifact into `scratch` (an empty directory) and
/// returns the file's path there; the fetcher verifies it. Throws on failure.
using DebianObtain = std::function<std::filesystem::path(const SourceArtifact& artifact,
                                                         const std::filesystem::path& scratch)>;

struct FetchSettings {
    std::filesystem::path cache_dir;
    unsigned jobs = 1;  ///< downloads at once
    FetchConfig config;
    /// How Debian artifacts are had; unset: they are not tried.
    DebianObtain debian;
    /// `pkg checksum`: an artifact without a pinned digest is taken as it
    /// arrives and its digest reported, instead of being refused.
    bool allow_unpinned = false;
    std::string user_agent;
};

/// One source to fetch: its artifacts in the order they are tried.
struct FetchRequest {
    std::string label;  ///< whose source it is ("musl"), for messages
    std::vector<SourceArtifact> artifacts;
};

struct FetchResult {
    std::filesystem::path file;  ///< in the cache, verified
    int alternative = -1;        ///< which artifact: -1 upstream's, else the alternative's index
    DigestAlgorithm algorithm = DigestAlgorithm::sha256;
    std::string digest;          ///< what it hashed to
    std::uint64_t size = 0;
    bool cached = false;         ///< found verified in the cache
};

/// One request's end: its result, or every origin tried with what went wrong.
struct FetchOutcome {
    std::optional<FetchResult> result;
    std::vector<std::string> failures;  ///< "ORIGIN: reason", in the order tried
};

class PKG_API Fetcher {
public:
    Fetcher(FetchSettings settings, EventSink& events);
    ~Fetcher();
    Fetcher(const Fetcher&) = delete;
    Fetcher& operator=(const Fetcher&) = delete;

    /// Fetches every request, at most `jobs` downloads at once, and returns
    /// one result per request, in order. When any request fails (after
    /// every origin), throws VerificationError (exit 7) naming each failed
    /// file and every origin tried with what went wrong; the others are
    /// fetched and cached all the same.
    std::vector<FetchResult> fetch(const std::vector<FetchRequest>& requests);
    /// The same, returning each request's outcome instead of throwing for
    /// the failed ones (`pkg checksum` pins what it could get).
    std::vector<FetchOutcome> fetch_each(const std::vector<FetchRequest>& requests);

private:
    struct Run;
    FetchSettings settings_;
    EventSink& events_;
};

}  // namespace pkg
