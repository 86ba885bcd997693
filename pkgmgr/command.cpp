#include "command.hpp"

#include <algorithm>

namespace pkgmgr {
namespace {

std::vector<CommandFactory>& factories() {
    static std::vector<CommandFactory> list;
    return list;
}

}  // namespace

CommandRegistration::CommandRegistration(CommandFactory factory) {
    factories().push_back(std::move(factory));
}

std::vector<std::unique_ptr<Command>> make_commands() {
    std::vector<std::unique_ptr<Command>> out;
    for (const auto& factory : factories()) out.push_back(factory());
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a->name() < b->name(); });
    return out;
}

}  // namespace pkgmgr
