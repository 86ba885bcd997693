// pkg autoremove: removes the automatic packages nothing needs any more
// (installed for others, by --asdeps or pkg mark --automatic), in one
// transaction, as pacman -Qdtq | pacman -Rs - and apt autoremove do.

#include "command.hpp"
#include "context.hpp"
#include "transaction_view.hpp"

namespace pkgmgr {
namespace {

class AutoremoveCommand final : public Command {
public:
    std::string_view name() const override { return "autoremove"; }
    std::string_view summary() const override { return "Remove automatic packages nothing needs"; }
    void describe(OptionSink& options) override {
        options.flag("--dry-run", dry_run_, "Show what would be removed, and change nothing");
    }
    RootAccess root_access() const override { return RootAccess::write; }

    int run(Context& context) override {
        pkg::TransactionRequest request;
        prepare_request(context, request, "pkg autoremove");
        request.plan.autoremove = true;
        return run_and_report(context, request, dry_run_, "nothing to remove");
    }

private:
    bool dry_run_ = false;
};

const CommandRegistration registration([] { return std::make_unique<AutoremoveCommand>(); });

}  // namespace
}  // namespace pkgmgr
