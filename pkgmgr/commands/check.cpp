// pkg check [NAME...]: installed files against the database, as pacman -Qkk.

#include <nlohmann/json.hpp>

#include "command.hpp"
#include "context.hpp"
#include "output/escape.hpp"
#include "pkg/error.hpp"
#include "pkg/transaction/check.hpp"

namespace pkgmgr {
namespace {

class CheckCommand final : public Command {
public:
    std::string_view name() const override { return "check"; }
    std::string_view summary() const override {
        return "Check installed files against the database; exit 3 on a problem";
    }
    void describe(OptionSink& options) override {
        options.positional_list("NAME", names_, "Installed packages (default: every one)", false);
    }
    RootAccess root_access() const override { return RootAccess::read; }

    int run(Context& context) override {
        const auto* db = context.installed();
        std::vector<pkg::CheckProblem> problems;
        std::size_t checked = 0;
        if (db) {
            problems = pkg::check_installed(context.door(), *db, names_);
            checked = names_.empty() ? db->packages().size() : names_.size();
        } else if (!names_.empty()) {
            throw pkg::with_hint(pkg::Error("no package named '{}' is installed", names_.front()),
                                 "'pkg list' lists them");
        }
        if (context.json()) {
            nlohmann::ordered_json list = nlohmann::ordered_json::array();
            for (const auto& p : problems) {
                list.push_back({{"package", p.package}, {"path", "/" + p.path}, {"problem", p.problem}});
            }
            context.print_json({{"packages", checked}, {"problems", list}});
        } else {
            for (const auto& p : problems) {
                context.out << p.package << ": /" << terminal_text(p.path) << ": " << terminal_text(p.problem) << '\n';
            }
            context.events.message({pkg::Level::info,
                                    fmt::format("{} package{} checked: {} problem{}", checked, checked == 1 ? "" : "s",
                                                problems.size(), problems.size() == 1 ? "" : "s")});
        }
        return problems.empty() ? 0 : 3;
    }

private:
    std::vector<std::string> names_;
};

const CommandRegistration registration([] { return std::make_unique<CheckCommand>(); });

}  // namespace
}  // namespace pkgmgr
