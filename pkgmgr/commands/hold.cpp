// pkg hold NAME... and pkg unhold NAME...: a held package is neither
// upgraded nor removed without --force.

#include "command.hpp"
#include "context.hpp"
#include "pkg/error.hpp"

namespace pkgmgr {
namespace {

class HoldCommand final : public Command {
public:
    explicit HoldCommand(bool hold) : hold_(hold) {}
    std::string_view name() const override { return hold_ ? "hold" : "unhold"; }
    std::string_view summary() const override {
        return hold_ ? "Hold packages: no upgrade or removal without --force" : "Release held packages";
    }
    void describe(OptionSink& options) override {
        options.positional_list("NAME", names_, "Installed packages", true);
    }
    RootAccess root_access() const override { return RootAccess::write; }

    int run(Context& context) override {
        pkg::db::Database::Change change(context.database());
        for (const auto& name : names_) {
            if (!change.set_held(name, hold_)) {
                throw pkg::with_hint(pkg::Error("no package named '{}' is installed", name), "'pkg list' lists them");
            }
        }
        change.commit();
        for (const auto& name : names_) {
            context.events.message({pkg::Level::info, fmt::format("{} {}", hold_ ? "held" : "released", name)});
        }
        return 0;
    }

private:
    bool hold_;
    std::vector<std::string> names_;
};

const CommandRegistration hold([] { return std::make_unique<HoldCommand>(true); });
const CommandRegistration unhold([] { return std::make_unique<HoldCommand>(false); });

}  // namespace
}  // namespace pkgmgr
