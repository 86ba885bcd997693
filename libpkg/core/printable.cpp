#include "pkg/printable.hpp"

#include <fmt/format.h>

namespace pkg {

// A name as it may be shown on a terminal: control characters (C0, DEL, C1)
// and bytes that are not UTF-8 spelled as \xNN, so a hostile name cannot
// drive the terminal.
std::string printable_name(std::string_view text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        auto b = static_cast<unsigned char>(text[i]);
        bool c1 = b == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
                  static_cast<unsigned char>(text[i + 1]) <= 0x9F;
        if (b < 0x20 || b == 0x7f || c1) {
            out += fmt::format("\\x{:02x}", b);
            if (c1) out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[++i]));
        } else if (b == '\\') {
            out += "\\\\";
        } else {
            out += text[i];
        }
    }
    return out;
}

}  // namespace pkg
