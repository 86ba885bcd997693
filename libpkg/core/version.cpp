#include "pkg/version.hpp"

#include <fmt/format.h>

#include "pkg/error.hpp"

// The comparison follows libalpm (pacman's lib/libalpm/version.c) step by step,
// including its quirks: a separator run longer on one side decides; a
// trailing separator makes a version older ("1.0" > "1.0." is false); a
// trailing non-alphanumeric tail makes it newer ("1.0~rc1" > "1.0"); a
// trailing alphabetic segment makes it older ("1.0rc1" < "1.0"). Characters
// are classified in the C locale, as libalpm's isalnum() does under pacman.

namespace pkg {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_alnum(char c) { return is_digit(c) || is_alpha(c); }

int sign(int v) { return v < 0 ? -1 : (v > 0 ? 1 : 0); }

struct Evr {
    std::string_view epoch;
    std::string_view version;
    std::string_view release;
    bool has_release = false;
};

// libalpm's parseEVR: an epoch is a leading digit run followed by ':', an
// empty epoch is "0"; the release is whatever follows the last '-'.
Evr split_evr(std::string_view evr) {
    Evr out;
    size_t digits = 0;
    while (digits < evr.size() && is_digit(evr[digits])) ++digits;
    std::string_view rest = evr;
    if (digits < evr.size() && evr[digits] == ':') {
        out.epoch = evr.substr(0, digits);
        if (out.epoch.empty()) out.epoch = "0";
        rest = evr.substr(digits + 1);
    } else {
        out.epoch = "0";
    }
    // libalpm looks for the last '-' only past the epoch's digits.
    size_t dash = rest.rfind('-');
    if (dash != std::string_view::npos) {
        out.version = rest.substr(0, dash);
        out.release = rest.substr(dash + 1);
        out.has_release = true;
        return out;
    }
    out.version = rest;
    return out;
}

}  // namespace

int vercmp_segments(std::string_view a, std::string_view b) {
    if (a == b) return 0;
    size_t one = 0, two = 0;    // start of the current segment
    size_t ptr1 = 0, ptr2 = 0;  // end of the previous segment
    while (one < a.size() && two < b.size()) {
        while (one < a.size() && !is_alnum(a[one])) ++one;
        while (two < b.size() && !is_alnum(b[two])) ++two;
        if (one >= a.size() || two >= b.size()) break;
        // Separator runs of different lengths decide.
        if (one - ptr1 != two - ptr2) return one - ptr1 < two - ptr2 ? -1 : 1;
        ptr1 = one;
        ptr2 = two;
        bool numeric = is_digit(a[ptr1]);
        if (numeric) {
            while (ptr1 < a.size() && is_digit(a[ptr1])) ++ptr1;
            while (ptr2 < b.size() && is_digit(b[ptr2])) ++ptr2;
        } else {
            while (ptr1 < a.size() && is_alpha(a[ptr1])) ++ptr1;
            while (ptr2 < b.size() && is_alpha(b[ptr2])) ++ptr2;
        }
        // b's segment is of the other type (empty here): numeric is newer.
        if (two == ptr2) return numeric ? 1 : -1;
        std::string_view seg1 = a.substr(one, ptr1 - one);
        std::string_view seg2 = b.substr(two, ptr2 - two);
        if (numeric) {
            while (!seg1.empty() && seg1.front() == '0') seg1.remove_prefix(1);
            while (!seg2.empty() && seg2.front() == '0') seg2.remove_prefix(1);
            if (seg1.size() != seg2.size()) return seg1.size() > seg2.size() ? 1 : -1;
        }
        int rc = seg1.compare(seg2);
        if (rc != 0) return sign(rc);
        one = ptr1;
        two = ptr2;
    }
    bool end1 = one >= a.size();
    bool end2 = two >= b.size();
    if (end1 && end2) return 0;
    // A remaining alpha segment never beats an empty string.
    if ((end1 && !is_alpha(b[two])) || (!end1 && is_alpha(a[one]))) return -1;
    return 1;
}

int vercmp(std::string_view a, std::string_view b) {
    if (a == b) return 0;
    Evr x = split_evr(a);
    Evr y = split_evr(b);
    int ret = vercmp_segments(x.epoch, y.epoch);
    if (ret == 0) {
        ret = vercmp_segments(x.version, y.version);
        if (ret == 0 && x.has_release && y.has_release) {
            ret = vercmp_segments(x.release, y.release);
        }
    }
    return ret;
}

namespace {

std::optional<std::string> check_digits(std::string_view what, std::string_view text) {
    if (text.empty()) return fmt::format("empty {}", what);
    for (char c : text) {
        if (!is_digit(c)) return fmt::format("{} '{}' is not a number", what, text);
    }
    return std::nullopt;
}

std::optional<std::string> check_release(std::string_view text) {
    size_t dot = text.find('.');
    if (dot == std::string_view::npos) return check_digits("release", text);
    if (auto e = check_digits("release", text.substr(0, dot))) return e;
    if (auto e = check_digits("release", text.substr(dot + 1))) return e;
    return std::nullopt;
}

}  // namespace

std::optional<std::string> Version::check_upstream(std::string_view text) {
    if (text.empty()) return std::string("empty version");
    if (!is_alnum(text.front())) {
        return fmt::format("version '{}' must start with a letter or digit", text);
    }
    for (char c : text) {
        if (c == '-') return fmt::format("version '{}' contains '-' (the release separator)", text);
        if (c == ':') return fmt::format("version '{}' contains ':' (the epoch separator)", text);
        if (!is_alnum(c) && c != '.' && c != '_' && c != '+' && c != '~') {
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                return fmt::format("version '{}' contains a control character", text);
            }
            return fmt::format("version '{}' contains '{}' (allowed: letters, digits, . _ + ~)",
                               text, c);
        }
    }
    return std::nullopt;
}

std::optional<std::string> Version::check(std::string_view text) {
    std::string_view rest = text;
    size_t colon = rest.find(':');
    if (colon != std::string_view::npos) {
        if (auto e = check_digits("epoch", rest.substr(0, colon))) return e;
        rest.remove_prefix(colon + 1);
    }
    size_t dash = rest.rfind('-');
    if (dash != std::string_view::npos) {
        if (auto e = check_release(rest.substr(dash + 1))) return e;
        rest = rest.substr(0, dash);
    }
    return check_upstream(rest);
}

Version Version::parse(std::string_view text) {
    if (auto problem = check(text)) throw UsageError("invalid version '{}': {}", text, *problem);
    Version v;
    std::string_view rest = text;
    size_t colon = rest.find(':');
    if (colon != std::string_view::npos) {
        v.epoch_ = rest.substr(0, colon);
        rest.remove_prefix(colon + 1);
    }
    size_t dash = rest.rfind('-');
    if (dash != std::string_view::npos) {
        v.release_ = rest.substr(dash + 1);
        rest = rest.substr(0, dash);
    }
    v.upstream_ = rest;
    return v;
}

std::string Version::str() const {
    std::string out;
    if (!epoch_.empty()) out += epoch_ + ":";
    out += upstream_;
    if (!release_.empty()) out += "-" + release_;
    return out;
}

}  // namespace pkg
