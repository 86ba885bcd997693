#pragma once

#include <fmt/format.h>

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "output/escape.hpp"

namespace pkgmgr {

/// Items separated by spaces, or "None" (as pacman -Qi prints).
inline std::string join_or_none(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : " ") + item;
    return out.empty() ? "None" : out;
}

/// One "Label    : value" line of a details page.
inline void print_field(std::ostream& out, std::string_view label, std::string_view value, int width) {
    out << fmt::format("{:<{}}: {}\n", label, width, terminal_text(value));
}

}  // namespace pkgmgr
