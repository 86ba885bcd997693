// The plan's check that every new package's run dependencies are met by
// what is installed afterwards or comes with the transaction.

#include <fmt/format.h>

#include "context.hpp"

namespace pkg::plan {

void check_dependencies(Context& c) {
    for (const auto& m : c.request.install) {
        for (const auto& text : m.depends) {
            auto d = parse(text);
            if (d && !met_by(c.after, *d, c.request)) {
                c.dependency_problems.push_back(
                    fmt::format("{} needs {}, which is neither installed nor in the transaction", m.name, text));
            }
        }
    }
}

}  // namespace pkg::plan
