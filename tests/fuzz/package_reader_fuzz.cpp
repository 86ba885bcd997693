// libFuzzer target: the package reader over arbitrary bytes. Every input
// must be read or refused with a pkg::Error; anything else (a crash, a
// sanitizer report, another exception) is a finding.

#include <cstddef>
#include <cstdint>

#include "pkg/package/package_io.hpp"

namespace {

// Touches every byte handed over, as an extractor would.
class Consumer final : public pkg::PackageVisitor {
public:
    void data(const pkg::PackageEntry&, const void* bytes, std::size_t size) override {
        const auto* p = static_cast<const unsigned char*>(bytes);
        for (std::size_t i = 0; i < size; ++i) sum_ += p[i];
    }
    unsigned sum_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    pkg::PackageLimits limits;
    limits.manifest_bytes = 1 << 20;  // keep each run small
    limits.file_bytes = 1 << 24;
    Consumer consumer;
    try {
        pkg::read_package_memory(data, size, "fuzz-input", consumer, limits);
    } catch (const pkg::Error&) {
        // A refusal: the expected outcome for almost every input.
    }
    return 0;
}
