#pragma once

// The interface between libpkg and its `digest` module (libcrypto). Like
// every module (archive, fetch), it is C++: the module links libpkg and
// throws pkg::Error, so libpkg needs nothing from libcrypto.

#include <cstddef>
#include <memory>
#include <string>

namespace pkg::digestmod {

inline constexpr unsigned kAbi = 2;

/// One running hash.
class Context {
public:
    virtual ~Context() = default;
    virtual void update(const void* data, std::size_t size) = 0;
    /// The raw digest (32 bytes for sha256, 64 for sha512).
    virtual std::string finish() = 0;
};

struct Module {
    unsigned abi;
    /// algorithm: 0 sha256, 1 sha512.
    std::unique_ptr<Context> (*create)(int algorithm);
};

}  // namespace pkg::digestmod

using pkg_digest_module_entry = const pkg::digestmod::Module* (*)();
