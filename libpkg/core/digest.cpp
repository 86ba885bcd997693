#include "pkg/digest.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <vector>

#include "digest_abi.h"
#include "pkg/error.hpp"
#include "pkg/file_read.hpp"
#include "pkg/module.hpp"

namespace pkg {
namespace {

const pkg_digest_module& module() {
    static const pkg_digest_module* loaded = [] {
        auto entry = reinterpret_cast<pkg_digest_module_entry>(
            module_symbol("digest", "pkg_digest_module_v1"));
        const pkg_digest_module* m = entry();
        if (m->abi != PKG_DIGEST_ABI) {
            throw Error("digest module speaks interface {}, libpkg {}", m->abi, PKG_DIGEST_ABI);
        }
        return m;
    }();
    return *loaded;
}

}  // namespace

const char* digest_name(DigestAlgorithm algorithm) {
    return algorithm == DigestAlgorithm::sha512 ? "sha512" : "sha256";
}

std::optional<DigestAlgorithm> digest_from_name(std::string_view name) {
    if (name == "sha256") return DigestAlgorithm::sha256;
    if (name == "sha512") return DigestAlgorithm::sha512;
    return std::nullopt;
}

std::size_t digest_hex_length(DigestAlgorithm algorithm) {
    return algorithm == DigestAlgorithm::sha512 ? 128 : 64;
}

Hasher::Hasher(DigestAlgorithm algorithm) : algorithm_(algorithm) {
    context_ = module().create(algorithm == DigestAlgorithm::sha512 ? 1 : 0);
    if (!context_) throw Error("cannot start a {} hash", digest_name(algorithm));
}

Hasher::~Hasher() { module().destroy(context_); }

void Hasher::update(const void* data, std::size_t size) {
    if (finished_) throw Error("{} hash updated after it was finished", digest_name(algorithm_));
    if (module().update(context_, data, size) != 1) {
        throw Error("{} hash failed", digest_name(algorithm_));
    }
}

std::string Hasher::finish() {
    if (finished_) throw Error("{} hash finished twice", digest_name(algorithm_));
    finished_ = true;
    unsigned char raw[PKG_DIGEST_MAX];
    unsigned size = 0;
    if (module().finish(context_, raw, &size) != 1) {
        throw Error("{} hash failed", digest_name(algorithm_));
    }
    static const char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(size * 2);
    for (unsigned i = 0; i < size; ++i) {
        out += hex[raw[i] >> 4];
        out += hex[raw[i] & 15];
    }
    return out;
}

std::string file_digest(const std::filesystem::path& file, DigestAlgorithm algorithm) {
    int fd = open_regular_file(file, "file");
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    Hasher hasher(algorithm);
    std::vector<char> buffer(1 << 17);
    for (;;) {
        ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            throw SystemError{errno, file, "cannot read {}", file.string()};
        }
        if (n == 0) break;
        hasher.update(buffer.data(), static_cast<std::size_t>(n));
    }
    return hasher.finish();
}

}  // namespace pkg
