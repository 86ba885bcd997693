// pkg search TERM: ports whose name or summary contains TERM.

#include <algorithm>
#include <nlohmann/json.hpp>

#include "command.hpp"
#include "context.hpp"
#include "output/escape.hpp"
#include "ports_view.hpp"

namespace pkgmgr {
namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

class SearchCommand final : public Command {
public:
    std::string_view name() const override { return "search"; }
    std::string_view summary() const override { return "Find ports by name and summary"; }
    void describe(OptionSink& options) override {
        options.positional("TERM", term_, "Text to look for, case-insensitive", true);
    }
    int run(Context& context) override {
        PortsView view(context.config);
        std::string term = lower(term_);
        nlohmann::ordered_json results = nlohmann::ordered_json::array();
        for (const auto& name : view.tree().names()) {
            const pkg::PortRead* read = view.tree().find(name);
            if (!read->port) continue;
            const pkg::Port& port = *read->port;
            if (lower(port.name).find(term) == std::string::npos &&
                lower(port.summary).find(term) == std::string::npos) {
                continue;
            }
            if (context.json()) {
                results.push_back({{"name", port.name},
                                   {"category", port.category},
                                   {"version", port.full_version()},
                                   {"summary", port.summary}});
            } else {
                context.out << terminal_text(port.category) << '/' << port.name << ' ' << port.full_version()
                            << "\n    " << terminal_text(port.summary) << '\n';
            }
        }
        if (context.json()) context.print_json({{"results", results}});
        return 0;
    }

private:
    std::string term_;
};

const CommandRegistration registration([] { return std::make_unique<SearchCommand>(); });

}  // namespace
}  // namespace pkgmgr
