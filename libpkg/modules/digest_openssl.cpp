// The digest module: sha256 and sha512 from OpenSSL's libcrypto.

#include <openssl/evp.h>

#include "digest_abi.h"

namespace {

void* create(int algorithm) {
    const EVP_MD* md = algorithm == 1 ? EVP_sha512() : EVP_sha256();
    EVP_MD_CTX* context = EVP_MD_CTX_new();
    if (!context) return nullptr;
    if (EVP_DigestInit_ex(context, md, nullptr) != 1) {
        EVP_MD_CTX_free(context);
        return nullptr;
    }
    return context;
}

int update(void* context, const void* data, size_t size) {
    return EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(context), data, size);
}

int finish(void* context, unsigned char* out, unsigned* size) {
    return EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(context), out, size);
}

void destroy(void* context) { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(context)); }

const pkg_digest_module kModule = {PKG_DIGEST_ABI, create, update, finish, destroy};

}  // namespace

extern "C" __attribute__((visibility("default"))) const pkg_digest_module* pkg_digest_module_v1() {
    return &kModule;
}
