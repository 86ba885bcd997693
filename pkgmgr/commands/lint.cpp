// pkg lint [PORT...]: reports every problem of the named ports, or of all.

#include <algorithm>
#include <nlohmann/json.hpp>
#include <tuple>

#include "command.hpp"
#include "context.hpp"
#include "output/escape.hpp"
#include "pkg/error.hpp"
#include "pkg/port/lint.hpp"
#include "ports_view.hpp"

namespace pkgmgr {
namespace {

class LintCommand final : public Command {
public:
    std::string_view name() const override { return "lint"; }
    std::string_view summary() const override { return "Check ports; exit 3 when any has errors"; }
    void describe(OptionSink& options) override {
        options.positional_list("PORT", ports_, "Ports to check (default: every port)", false);
    }
    int run(Context& context) override {
        PortsView view(context.config);
        std::vector<std::string> names = ports_.empty() ? view.tree().names() : ports_;
        std::vector<pkg::Problem> problems;
        if (ports_.empty()) problems = view.tree().problems();
        for (const auto& name : names) {
            const pkg::PortRead* read = view.tree().find(name);
            if (!read) throw pkg::Error("no port named '{}'", name);
            auto found = pkg::lint_port(view.resolver(), *read);
            problems.insert(problems.end(), found.begin(), found.end());
        }
        std::stable_sort(problems.begin(), problems.end(), [](const pkg::Problem& a, const pkg::Problem& b) {
            return std::tie(a.file, a.line, a.column) < std::tie(b.file, b.line, b.column);
        });
        int errors = 0, warnings = 0;
        for (const auto& p : problems) (p.level == pkg::Level::error ? errors : warnings)++;
        if (context.json()) {
            nlohmann::ordered_json list = nlohmann::ordered_json::array();
            for (const auto& p : problems) {
                list.push_back({{"file", display_path(p.file)},
                                {"line", p.line},
                                {"column", p.column},
                                {"level", pkg::level_name(p.level)},
                                {"message", p.message}});
            }
            context.print_json({{"ports", names.size()},
                                {"errors", errors},
                                {"warnings", warnings},
                                {"problems", list}});
        } else {
            for (auto p : problems) {
                p.file = display_path(p.file);
                context.out << terminal_text(shorten_paths(p.str())) << '\n';
            }
            context.events.message({pkg::Level::info,
                                    fmt::format("{} port{} checked: {} error{}, {} warning{}", names.size(),
                                                names.size() == 1 ? "" : "s", errors, errors == 1 ? "" : "s",
                                                warnings, warnings == 1 ? "" : "s")});
        }
        return errors > 0 ? 3 : 0;
    }

private:
    std::vector<std::string> ports_;
};

const CommandRegistration registration([] { return std::make_unique<LintCommand>(); });

}  // namespace
}  // namespace pkgmgr
