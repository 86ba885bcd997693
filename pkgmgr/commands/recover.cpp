// pkg recover: recovery alone (DESIGN.md, "A transaction", step 7), for
// boot scripts; every writing command runs it first anyway.

#include <nlohmann/json.hpp>

#include "command.hpp"
#include "context.hpp"
#include "pkg/transaction/transaction.hpp"

namespace pkgmgr {
namespace {

class RecoverCommand final : public Command {
public:
    std::string_view name() const override { return "recover"; }
    std::string_view summary() const override { return "Finish or roll back an interrupted transaction"; }
    void describe(OptionSink&) override {}
    RootAccess root_access() const override { return RootAccess::write; }

    int run(Context& context) override {
        bool recovered = pkg::recover(context.door(), context.database(), context.events);
        if (context.json()) {
            context.print_json({{"recovered", recovered}});
        } else if (!recovered) {
            context.events.message({pkg::Level::info, "nothing to recover"});
        }
        return 0;
    }
};

const CommandRegistration registration([] { return std::make_unique<RecoverCommand>(); });

}  // namespace
}  // namespace pkgmgr
