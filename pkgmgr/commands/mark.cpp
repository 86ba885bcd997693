// pkg mark --explicit|--automatic NAME...: records why packages are installed.

#include "command.hpp"
#include "context.hpp"
#include "pkg/error.hpp"

namespace pkgmgr {
namespace {

class MarkCommand final : public Command {
public:
    std::string_view name() const override { return "mark"; }
    std::string_view summary() const override { return "Record packages as installed explicitly or automatically"; }
    void describe(OptionSink& options) override {
        options.flag("--explicit", explicit_, "Installed for itself");
        options.flag("--automatic", automatic_, "Installed as a dependency of others");
        options.positional_list("NAME", names_, "Installed packages", true);
    }
    RootAccess root_access() const override { return RootAccess::write; }

    int run(Context& context) override {
        if (explicit_ == automatic_) throw pkg::UsageError("give one of --explicit and --automatic");
        pkg::db::Database::Change change(context.database());
        for (const auto& name : names_) {
            if (!change.set_reason(name, automatic_ ? pkg::db::Reason::automatic : pkg::db::Reason::explicit_)) {
                throw pkg::with_hint(pkg::Error("no package named '{}' is installed", name), "'pkg list' lists them");
            }
        }
        change.commit();
        return 0;
    }

private:
    bool explicit_ = false, automatic_ = false;
    std::vector<std::string> names_;
};

const CommandRegistration registration([] { return std::make_unique<MarkCommand>(); });

}  // namespace
}  // namespace pkgmgr
