// Prints whether libcrypto and the digest module are mapped into this
// process before and after the first hash (Modules.LibcryptoArrivesOnly...).

#include <cstdio>
#include <fstream>
#include <sstream>

#include "pkg/digest.hpp"

namespace {

const char* mapped(const char* fragment) {
    std::ifstream maps("/proc/self/maps");
    std::stringstream s;
    s << maps.rdbuf();
    return s.str().find(fragment) != std::string::npos ? "yes" : "no";
}

}  // namespace

int main() {
    std::printf("before: libcrypto %s, digest.so %s\n", mapped("/libcrypto.so"), mapped("/pkg/digest.so"));
    pkg::Hasher hasher(pkg::DigestAlgorithm::sha256);
    hasher.update("x");
    hasher.finish();
    std::printf("after: libcrypto %s, digest.so %s\n", mapped("/libcrypto.so"), mapped("/pkg/digest.so"));
    return 0;
}
