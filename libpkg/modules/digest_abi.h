#pragma once

// The interface between libpkg and its `digest` module: plain C, so that the
// module needs nothing from libpkg and libpkg nothing from libcrypto.

#include <stddef.h>

#define PKG_DIGEST_ABI 1
#define PKG_DIGEST_MAX 64  // bytes of the longest digest (sha512)

extern "C" {

struct pkg_digest_module {
    unsigned abi;
    // algorithm: 0 sha256, 1 sha512. Returns NULL when out of memory.
    void* (*create)(int algorithm);
    // Return 1 on success, 0 on failure.
    int (*update)(void* context, const void* data, size_t size);
    int (*finish)(void* context, unsigned char* out, unsigned* size);
    void (*destroy)(void* context);
};

typedef const struct pkg_digest_module* (*pkg_digest_module_entry)(void);
}
