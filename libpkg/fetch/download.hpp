#pragma once

// One download into FILE.part: hashed as it arrives, its bytes counted
// against a cap, resumed where a part was left (its prefix hashed again,
// since a digest's state cannot be saved).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "fetch_abi.hpp"
#include "pkg/digest.hpp"
#include "pkg/events.hpp"

namespace pkg {

class Download final : public fetchmod::Receiver {
public:
    /// Opens (creating) `part`. With `resume`, a part already there is kept
    /// and hashed, and offset() asks for the rest; without, it is emptied.
    Download(std::filesystem::path part, DigestAlgorithm algorithm, std::uint64_t cap, bool resume);
    ~Download() override;

    std::uint64_t offset() const { return offset_; }
    std::uint64_t bytes() const { return bytes_; }
    /// Why the download stopped itself ("" when it did not).
    const std::string& stop_reason() const { return stop_reason_; }
    /// Whether what stopped it may go better on another attempt.
    bool stop_is_transient() const { return stop_transient_; }
    /// Progress of this download, and of all of them (either may be null).
    void report_to(ProgressTask* own, ProgressTask* overall) {
        own_ = own;
        overall_ = overall;
    }

    bool begin(long status, std::int64_t range_start, std::int64_t length) override;
    bool data(const char* bytes, std::size_t size) override;

    /// Ends the hash: the whole part's digest.
    std::string finish();
    /// Closes and removes the part.
    void discard();

private:
    void restart();
    bool stop(std::string reason, bool transient);

    std::filesystem::path part_;
    DigestAlgorithm algorithm_;
    std::uint64_t cap_;
    int fd_ = -1;
    std::unique_ptr<Hasher> hasher_;
    std::uint64_t offset_ = 0;
    std::uint64_t bytes_ = 0;  ///< in the part, prefix included
    std::string stop_reason_;
    bool stop_transient_ = false;
    ProgressTask* own_ = nullptr;
    ProgressTask* overall_ = nullptr;
};

}  // namespace pkg
