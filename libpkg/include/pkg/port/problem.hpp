#pragma once

#include <fmt/format.h>

#include <string>
#include <vector>

#include "pkg/events.hpp"
#include "pkg/export.hpp"
#include "pkg/json_text.hpp"

namespace pkg {

/// One finding about a file a person wrote (lint): where, how bad, what.
struct Problem {
    Level level = Level::error;  ///< error or warning
    std::string file;
    int line = 0;  ///< 0 when the problem is about the whole file
    int column = 0;
    std::string message;

    /// `FILE:LINE:COLUMN: error: message`, as compilers print.
    PKG_API std::string str() const;
};

PKG_API bool has_errors(const std::vector<Problem>& problems);

/// Collects problems about one file.
class PKG_API ProblemList {
public:
    ProblemList(std::string file, std::vector<Problem>& out) : file_(std::move(file)), out_(out) {}

    template <typename... Args>
    void error(const json::Span& at, fmt::format_string<Args...> format, Args&&... args) {
        add(Level::error, at, fmt::format(format, std::forward<Args>(args)...));
    }
    template <typename... Args>
    void warning(const json::Span& at, fmt::format_string<Args...> format, Args&&... args) {
        add(Level::warning, at, fmt::format(format, std::forward<Args>(args)...));
    }
    void add(Level level, const json::Span& at, std::string message);
    const std::string& file() const { return file_; }

private:
    std::string file_;
    std::vector<Problem>& out_;
};

}  // namespace pkg
