#include "tar_structure.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pkg {
namespace {

constexpr std::size_t kBlock = 512;
// A pax header of a member holds a path and a link target of at most 4095
// bytes each and a few small records; anything larger is not a package's.
constexpr std::uint64_t kMaxPax = 16 << 10;

std::uint64_t padded(std::uint64_t size) { return (size + kBlock - 1) / kBlock * kBlock; }

// A ustar numeric field: octal digits with spaces or NULs around them, or
// base-256 with the high bit of the first byte set. nullopt when malformed.
std::optional<std::uint64_t> number(const std::string& field) {
    if (!field.empty() && (static_cast<unsigned char>(field[0]) & 0x80)) {
        std::uint64_t value = static_cast<unsigned char>(field[0]) & 0x7f;
        for (std::size_t i = 1; i < field.size(); ++i) {
            if (value >> 56) return std::nullopt;
            value = value << 8 | static_cast<unsigned char>(field[i]);
        }
        return value;
    }
    std::size_t i = 0;
    while (i < field.size() && field[i] == ' ') ++i;
    std::uint64_t value = 0;
    bool digits = false;
    for (; i < field.size() && field[i] >= '0' && field[i] <= '7'; ++i) {
        if (value >> 60) return std::nullopt;
        value = value * 8 + static_cast<std::uint64_t>(field[i] - '0');
        digits = true;
    }
    for (; i < field.size(); ++i) {
        if (field[i] != ' ' && field[i] != '\0') return std::nullopt;
    }
    if (!digits) return std::uint64_t{0};
    return value;
}

}  // namespace

void TarStructure::problem(std::string text) {
    if (problem_at_) return;
    problem_at_ = members_;
    problem_ = std::move(text);
}

void TarStructure::feed(const char* data, std::size_t size) {
    while (size > 0 && !problem_at_) {
        switch (state_) {
            case State::trailer: {
                if (std::any_of(data, data + size, [](char c) { return c != '\0'; })) {
                    problem("data after the archive's end marker (a second archive?)");
                }
                return;
            }
            case State::data: {
                std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left_, size));
                left_ -= n;
                data += n;
                size -= n;
                if (left_ == 0) state_ = State::header;
                break;
            }
            case State::pax: {
                std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left_, size));
                std::size_t keep = static_cast<std::size_t>(
                    std::min<std::uint64_t>(n, pax_size_ > pax_.size() ? pax_size_ - pax_.size() : 0));
                pax_.append(data, keep);
                left_ -= n;
                data += n;
                size -= n;
                if (left_ == 0) pax_done();
                break;
            }
            case State::header:
            case State::second_zero: {
                std::size_t n = std::min(kBlock - block_.size(), size);
                block_.append(data, n);
                data += n;
                size -= n;
                if (block_.size() == kBlock) {
                    header_block();
                    block_.clear();
                }
                break;
            }
        }
    }
}

void TarStructure::header_block() {
    bool zero = std::all_of(block_.begin(), block_.end(), [](char c) { return c == '\0'; });
    if (state_ == State::second_zero) {
        if (!zero) return problem("a lone zero block inside the archive");
        state_ = State::trailer;
        ended_ = true;
        return;
    }
    if (zero) {
        if (have_pax_) return problem("a pax header with no member after it");
        state_ = State::second_zero;
        return;
    }
    if (block_.compare(257, 6, std::string("ustar\0", 6)) != 0 || block_.compare(263, 2, "00") != 0) {
        return problem("a header without the POSIX ustar magic");
    }
    char type = block_[156];
    auto size = number(block_.substr(124, 12));
    if (!size) return problem("a header with a malformed size field");
    if (type == 'x') {
        if (have_pax_) return problem("two pax headers in a row");
        if (*size > kMaxPax) return problem(fmt::format("a pax header of {} bytes (at most {})", *size, kMaxPax));
        have_pax_ = true;
        pax_.clear();
        pax_size_ = *size;
        left_ = padded(*size);
        state_ = State::pax;
        if (left_ == 0) pax_done();
        return;
    }
    // Devices and FIFOs ('3', '4', '6') are ustar members too: the reader
    // refuses them by their type, naming the rule.
    if (type != '0' && type != '\0' && type != '1' && type != '2' && type != '5' && type != '3' && type != '4' &&
        type != '6') {
        if (type == 'g') return problem("a pax global header, which packages may not carry");
        if (type == 'L' || type == 'K') return problem("a GNU long-name header, which packages may not carry");
        return problem(fmt::format("a tar header of type '{}', which packages may not carry",
                                   type >= 0x20 && type < 0x7f ? std::string(1, type) : fmt::format("\\x{:02x}", static_cast<unsigned char>(type))));
    }
    if (!have_pax_) return problem("a plain ustar member: each member needs its own pax header (hdrcharset=BINARY)");
    if (!pax_binary_) return problem("its pax header does not declare hdrcharset=BINARY");
    std::uint64_t data = type == '0' || type == '\0' ? pax_size_override_.value_or(*size) : 0;
    have_pax_ = false;
    pax_binary_ = false;
    pax_size_override_.reset();
    ++members_;
    left_ = padded(data);
    state_ = left_ > 0 ? State::data : State::header;
}

// Parses "LENGTH KEY=VALUE\n" records (POSIX pax); remembers hdrcharset and size.
void TarStructure::pax_done() {
    state_ = State::header;
    std::string_view rest = pax_;
    bool charset_seen = false;
    while (!rest.empty()) {
        std::size_t space = rest.find(' ');
        if (space == 0 || space == std::string_view::npos || space > 6) return problem("a malformed pax record");
        std::size_t length = 0;
        for (std::size_t i = 0; i < space; ++i) {
            if (rest[i] < '0' || rest[i] > '9') return problem("a malformed pax record");
            length = length * 10 + static_cast<std::size_t>(rest[i] - '0');
        }
        if (length <= space + 1 || length > rest.size() || rest[length - 1] != '\n') {
            return problem("a malformed pax record");
        }
        std::string_view record = rest.substr(space + 1, length - space - 2);
        std::size_t equals = record.find('=');
        if (equals == std::string_view::npos) return problem("a malformed pax record");
        std::string_view key = record.substr(0, equals), value = record.substr(equals + 1);
        if (key == "hdrcharset") {
            if (charset_seen) return problem("a pax header declares hdrcharset twice");
            charset_seen = true;
            if (value != "BINARY") {
                return problem(fmt::format("its pax header declares hdrcharset={}, not BINARY", value.substr(0, 64)));
            }
            pax_binary_ = true;
        } else if (key == "size") {
            if (value.empty() || value.size() > 19 || value.find_first_not_of("0123456789") != std::string_view::npos) {
                return problem("a malformed pax size");
            }
            pax_size_override_ = std::stoull(std::string(value));
        }
        rest.remove_prefix(length);
    }
}

std::optional<std::string> TarStructure::member_problem(std::size_t index) const {
    if (problem_at_ && *problem_at_ <= index) return problem_;
    return std::nullopt;
}

std::optional<std::string> TarStructure::end_problem() const {
    if (problem_at_) return problem_;
    if (!ended_) return std::string("the archive lacks its end marker (two zero blocks)");
    return std::nullopt;
}

}  // namespace pkg
