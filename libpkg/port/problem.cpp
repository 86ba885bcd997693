#include "pkg/port/problem.hpp"

#include <algorithm>

namespace pkg {

std::string Problem::str() const {
    std::string where = file;
    if (line > 0) where += fmt::format(":{}", line);
    if (line > 0 && column > 0) where += fmt::format(":{}", column);
    return fmt::format("{}: {}: {}", where, level == Level::warning ? "warning" : "error", message);
}

bool has_errors(const std::vector<Problem>& problems) {
    return std::any_of(problems.begin(), problems.end(),
                       [](const Problem& p) { return p.level == Level::error; });
}

void ProblemList::add(Level level, const json::Span& at, std::string message) {
    out_.push_back(Problem{level, file_, at.line, at.column, std::move(message)});
}

}  // namespace pkg
