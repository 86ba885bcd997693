// Differential test: pkg::vercmp against libalpm's alpm_pkg_vercmp on
// generated pairs of versions that pkg accepts.

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <random>

#include "pkg/version.hpp"

namespace {

using AlpmVercmp = int (*)(const char*, const char*);

AlpmVercmp load_alpm() {
    void* handle = dlopen("libalpm.so.13", RTLD_NOW | RTLD_LOCAL);
    if (!handle) return nullptr;
    return reinterpret_cast<AlpmVercmp>(dlsym(handle, "alpm_pkg_vercmp"));
}

class VersionGenerator {
public:
    explicit VersionGenerator(unsigned seed) : rng_(seed) {}

    std::string version() {
        std::string out;
        if (chance(15)) out += digits(1 + pick(2)) + ":";
        out += upstream();
        if (chance(40)) {
            out += "-" + digits(1 + pick(2));
            if (chance(20)) out += "." + digits(1);
        }
        return out;
    }

    // A second version close to `v`: most pairs share a prefix, so the
    // comparison reaches the segments and separators that decide.
    std::string mutate(const std::string& v) {
        std::string out = v;
        int edits = 1 + pick(2);
        for (int i = 0; i < edits; ++i) {
            size_t at = out.empty() ? 0 : static_cast<size_t>(pick(static_cast<int>(out.size())));
            switch (pick(6)) {
                case 0: out.insert(at, 1, separator()); break;
                case 1: if (!out.empty()) out.erase(at, 1); break;
                case 2: out.insert(at, digits(1 + pick(3))); break;
                case 3: out.insert(at, letters(1 + pick(2))); break;
                case 4: out += separator() + segment(); break;
                case 5: if (!out.empty()) out[at] = std::isdigit(out[at]) ? '0' + pick(10) : out[at]; break;
            }
        }
        return out;
    }

    int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
    bool chance(int percent) { return pick(100) < percent; }

private:
    std::string digits(int n) {
        std::string out;
        for (int i = 0; i < n; ++i) out += static_cast<char>('0' + pick(10));
        return out;
    }
    std::string letters(int n) {
        static const char alphabet[] = "abcxyzABZ";
        std::string out;
        for (int i = 0; i < n; ++i) out += alphabet[pick(sizeof alphabet - 1)];
        return out;
    }
    char separator() { return ".._+~"[pick(5)]; }
    std::string segment() {
        switch (pick(5)) {
            case 0: return digits(15 + pick(25));  // long digit runs, past 64 bits
            case 1: return letters(1 + pick(4));
            case 2: return "0" + digits(1 + pick(2));  // leading zeros
            default: return digits(1 + pick(3));
        }
    }
    std::string upstream() {
        std::string out = pick(5) == 0 ? letters(1 + pick(3)) : digits(1 + pick(3));
        int segments = pick(5);
        for (int i = 0; i < segments; ++i) {
            if (chance(80)) {
                int run = chance(85) ? 1 : 2 + pick(2);  // separator runs
                for (int j = 0; j < run; ++j) out += separator();
            }
            out += segment();
        }
        if (chance(5)) out += separator();
        return out;
    }

    std::mt19937 rng_;
};

TEST(VercmpDifferential, AgreesWithLibalpmOnGeneratedPairs) {
    AlpmVercmp alpm = load_alpm();
    ASSERT_NE(alpm, nullptr) << "libalpm.so.13 is required (Debian package libalpm13): " << dlerror();
    VersionGenerator gen(20261122);
    int compared = 0;
    int outcomes[3] = {0, 0, 0};
    int disagreements = 0;
    for (int i = 0; i < 60000 && disagreements < 20; ++i) {
        std::string a = gen.version();
        std::string b = gen.chance(60) ? gen.mutate(a) : gen.version();
        if (pkg::Version::check(a) || pkg::Version::check(b)) continue;  // only versions pkg accepts
        int expected = alpm(a.c_str(), b.c_str());
        expected = expected < 0 ? -1 : (expected > 0 ? 1 : 0);
        int got = pkg::vercmp(a, b);
        ++compared;
        ++outcomes[expected + 1];
        if (got != expected) {
            ++disagreements;
            ADD_FAILURE() << "vercmp('" << a << "', '" << b << "') = " << got << ", libalpm says "
                          << expected;
        }
    }
    EXPECT_GE(compared, 10000);
    // Each outcome must be well represented, or the generator tests little.
    EXPECT_GE(outcomes[0], 1000);
    EXPECT_GE(outcomes[1], 300);
    EXPECT_GE(outcomes[2], 1000);
    RecordProperty("compared", compared);
    std::printf("compared %d pairs with libalpm: %d older, %d equal, %d newer\n", compared,
                outcomes[0], outcomes[1], outcomes[2]);
}

}  // namespace
