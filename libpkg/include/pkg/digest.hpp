#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "pkg/export.hpp"

namespace pkg {

enum class DigestAlgorithm { sha256, sha512 };

PKG_API const char* digest_name(DigestAlgorithm algorithm);
PKG_API std::optional<DigestAlgorithm> digest_from_name(std::string_view name);
/// Length of the hexadecimal digest: 64 for sha256, 128 for sha512.
PKG_API std::size_t digest_hex_length(DigestAlgorithm algorithm);

/// A streaming hash. The work is done by the `digest` module (libcrypto),
/// loaded on first use.
class PKG_API Hasher {
public:
    explicit Hasher(DigestAlgorithm algorithm);
    ~Hasher();
    Hasher(const Hasher&) = delete;
    Hasher& operator=(const Hasher&) = delete;

    void update(const void* data, std::size_t size);
    void update(std::string_view data) { update(data.data(), data.size()); }
    /// Ends the hash and returns it in lower-case hexadecimal.
    std::string finish();

private:
    DigestAlgorithm algorithm_;
    void* context_;
    bool finished_ = false;
};

/// The sha256 of `text`, in lower-case hexadecimal.
PKG_API std::string sha256_of(std::string_view text);

/// The digest of a whole file, read in large blocks.
PKG_API std::string file_digest(const std::filesystem::path& file, DigestAlgorithm algorithm);

}  // namespace pkg
