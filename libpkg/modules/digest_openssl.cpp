// The digest module: sha256 and sha512 through OpenSSL's EVP interface.

#include <openssl/evp.h>

#include "digest_abi.hpp"
#include "pkg/error.hpp"

namespace pkg::digestmod {
namespace {

class EvpContext final : public Context {
public:
    explicit EvpContext(int algorithm) : context_(EVP_MD_CTX_new()) {
        if (!context_) throw Error("cannot start a hash: out of memory");
        // Fetched once: OpenSSL 3 looks the implementation up again on every
        // init given EVP_sha256(), a measurable share of hashing 5,000 small files.
        static EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
        static EVP_MD* sha512 = EVP_MD_fetch(nullptr, "SHA512", nullptr);
        const EVP_MD* md = algorithm == 1 ? (sha512 ? sha512 : EVP_sha512()) : (sha256 ? sha256 : EVP_sha256());
        if (EVP_DigestInit_ex(context_, md, nullptr) != 1) {
            EVP_MD_CTX_free(context_);
            throw Error("cannot start a hash: libcrypto refused");
        }
    }
    ~EvpContext() override { EVP_MD_CTX_free(context_); }

    void update(const void* data, std::size_t size) override {
        if (EVP_DigestUpdate(context_, data, size) != 1) throw Error("hash failed in libcrypto");
    }

    std::string finish() override {
        unsigned char raw[EVP_MAX_MD_SIZE];
        unsigned size = 0;
        if (EVP_DigestFinal_ex(context_, raw, &size) != 1) throw Error("hash failed in libcrypto");
        return std::string(reinterpret_cast<const char*>(raw), size);
    }

private:
    EVP_MD_CTX* context_;
};

std::unique_ptr<Context> create(int algorithm) { return std::make_unique<EvpContext>(algorithm); }

const Module kModule = {kAbi, create};

}  // namespace
}  // namespace pkg::digestmod

extern "C" __attribute__((visibility("default"))) const pkg::digestmod::Module* pkg_digest_module_v2() {
    return &pkg::digestmod::kModule;
}
