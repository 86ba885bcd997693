#include "pkg/digest.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <vector>

#include "digest_abi.hpp"
#include "pkg/error.hpp"
#include "pkg/file_read.hpp"
#include "pkg/module.hpp"

namespace pkg {
namespace {

const digestmod::Module& module() {
    static const digestmod::Module* loaded = [] {
        auto entry = reinterpret_cast<pkg_digest_module_entry>(
            module_symbol("digest", "pkg_digest_module_v2"));
        const digestmod::Module* m = entry();
        if (m->abi != digestmod::kAbi) {
            throw Error("digest module speaks interface {}, libpkg {}", m->abi, digestmod::kAbi);
        }
        return m;
    }();
    return *loaded;
}

digestmod::Context& context(void* opaque) { return *static_cast<digestmod::Context*>(opaque); }

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
    context_ = module().create(algorithm == DigestAlgorithm::sha512 ? 1 : 0).release();
}

Hasher::~Hasher() { delete &context(context_); }

void Hasher::update(const void* data, std::size_t size) {
    if (finished_) throw Error("{} hash updated after it was finished", digest_name(algorithm_));
    context(context_).update(data, size);
}

std::string Hasher::finish() {
    if (finished_) throw Error("{} hash finished twice", digest_name(algorithm_));
    finished_ = true;
    std::string raw = context(context_).finish();
    static const char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(raw.size() * 2);
    for (unsigned char c : raw) {
        out += hex[c >> 4];
        out += hex[c & 15];
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

std::string sha256_of(std::string_view text) {
    Hasher hasher(DigestAlgorithm::sha256);
    hasher.update(text);
    return hasher.finish();
}

}  // namespace pkg
