// libFuzzer target: the JSON reader that reads every port manifest and
// profile. Every input must parse or be refused with a pkg::Error naming a
// line and column; anything else (a crash, a sanitizer report, another
// exception, unbounded recursion) is a finding.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "pkg/error.hpp"
#include "pkg/json_text.hpp"

namespace {

// Walks the whole value, as the port reader does.
std::size_t walk(const pkg::json::Value& value) {
    std::size_t n = 1 + value.text.size();
    for (const auto& item : value.items) n += walk(item);
    for (const auto& member : value.members) n += member.key.size() + walk(member.value);
    return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        pkg::json::Value value = pkg::json::parse("fuzz.json", text);
        (void)walk(value);
    } catch (const pkg::FileError& e) {
        if (e.line() <= 0) __builtin_trap();  // a refusal always says where
    }
    return 0;
}
