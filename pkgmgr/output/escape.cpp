#include "output/escape.hpp"

#include <fmt/format.h>

namespace pkgmgr {
namespace {

// The length of the well-formed UTF-8 sequence at `i` (RFC 3629: no
// overlong forms, no surrogates, nothing past U+10FFFF), or 0.
std::size_t utf8_length(std::string_view text, std::size_t i) {
    auto at = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    unsigned char b = at(i);
    std::size_t n = b >= 0xF0 && b <= 0xF4 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 && b <= 0xDF ? 2 : 0;
    if (b >= 0xF5 || n == 0 || i + n > text.size()) return 0;
    for (std::size_t k = 1; k < n; ++k) {
        if ((at(i + k) & 0xC0) != 0x80) return 0;
    }
    unsigned char second = at(i + 1);
    if (b == 0xE0 && second < 0xA0) return 0;  // overlong
    if (b == 0xED && second > 0x9F) return 0;  // surrogate
    if (b == 0xF0 && second < 0x90) return 0;  // overlong
    if (b == 0xF4 && second > 0x8F) return 0;  // past U+10FFFF
    if (b == 0xC2 && second <= 0x9F) return 0;  // C1 control
    return n;
}

void escape_into(std::string& out, std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        auto b = static_cast<unsigned char>(text[i]);
        if (b >= 0x20 && b < 0x7f) {
            out += text[i++];
            continue;
        }
        std::size_t n = b >= 0x80 ? utf8_length(text, i) : 0;
        if (n > 0) {
            out.append(text, i, n);
            i += n;
        } else {
            out += fmt::format("\\x{:02x}", b);
            ++i;
        }
    }
}

}  // namespace

std::string terminal_text(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    escape_into(out, text);
    return out;
}

TerminalGuard::TerminalGuard(std::ostream& out) : out_(out), original_(out.rdbuf(this)) {}

TerminalGuard::~TerminalGuard() {
    sync();
    out_.rdbuf(original_);
}

void TerminalGuard::emit_line() {
    std::string safe;
    escape_into(safe, line_);
    original_->sputn(safe.data(), static_cast<std::streamsize>(safe.size()));
    line_.clear();
}

TerminalGuard::int_type TerminalGuard::overflow(int_type c) {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    char ch = traits_type::to_char_type(c);
    return xsputn(&ch, 1) == 1 ? c : traits_type::eof();
}

std::streamsize TerminalGuard::xsputn(const char* data, std::streamsize size) {
    std::string_view rest(data, static_cast<std::size_t>(size));
    while (!rest.empty()) {
        std::size_t newline = rest.find('\n');
        if (newline == std::string_view::npos) {
            line_.append(rest);
            break;
        }
        line_.append(rest.substr(0, newline));
        emit_line();
        if (original_->sputc('\n') == traits_type::eof()) return 0;
        rest.remove_prefix(newline + 1);
    }
    return size;
}

int TerminalGuard::sync() {
    if (!line_.empty()) emit_line();
    return original_->pubsync() == 0 ? 0 : -1;
}

}  // namespace pkgmgr
