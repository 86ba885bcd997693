// pkg remove NAME...: removes installed packages in one transaction.

#include "command.hpp"
#include "context.hpp"
#include "pkg/error.hpp"
#include "transaction_view.hpp"

namespace pkgmgr {
namespace {

class RemoveCommand final : public Command {
public:
    std::string_view name() const override { return "remove"; }
    std::string_view summary() const override { return "Remove installed packages in one transaction"; }
    void describe(OptionSink& options) override {
        options.positional_list("NAME", names_, "Installed packages", true);
        options.flag("--dry-run", dry_run_, "Show what would change, and change nothing");
        options.flag("--cascade", cascade_, "Also remove the packages that need them, and so on");
        options.flag("--force", force_, "Allow removing held packages");
    }
    RootAccess root_access() const override { return RootAccess::write; }

    int run(Context& context) override {
        pkg::TransactionRequest request;
        prepare_request(context, request, "pkg remove");
        for (const auto& name : names_) request.command += " " + name;
        request.plan.remove = names_;
        if (cascade_) request.command += " --cascade";
        if (force_) request.command += " --force";
        request.plan.force = force_;
        request.plan.cascade = cascade_;
        return run_and_report(context, request, dry_run_);
    }

private:
    std::vector<std::string> names_;
    bool dry_run_ = false, force_ = false, cascade_ = false;
};

const CommandRegistration registration([] { return std::make_unique<RemoveCommand>(); });

}  // namespace
}  // namespace pkgmgr
