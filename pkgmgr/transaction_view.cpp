#include "transaction_view.hpp"

#include <pwd.h>
#include <unistd.h>

#include "output/escape.hpp"
#include "pkg/error.hpp"

namespace pkgmgr {
namespace {

std::string user_name() {
    if (const passwd* pw = ::getpwuid(::geteuid())) return pw->pw_name;
    return std::to_string(::geteuid());
}

nlohmann::ordered_json changes_json(const pkg::Plan& plan) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto& c : plan.changes) {
        list.push_back({{"action", pkg::change_kind_name(c.kind)},
                        {"name", c.name},
                        {"from", c.from.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(c.from)},
                        {"to", c.to.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(c.to)}});
    }
    return list;
}

std::string line_of(const pkg::PackageChange& c) {
    std::string kind = pkg::change_kind_name(c.kind);
    if (c.kind == pkg::ChangeKind::install || c.kind == pkg::ChangeKind::reinstall) return kind + " " + c.name + " " + c.to;
    if (c.kind == pkg::ChangeKind::remove) return kind + " " + c.name + " " + c.from;
    return kind + " " + c.name + " " + c.from + " -> " + c.to;
}

}  // namespace

void prepare_request(Context& context, pkg::TransactionRequest& request, const std::string& command) {
    request.command = command;
    request.user = user_name();
    request.plan.assume_installed = context.config.assume_installed;
    request.plan.root_is_host = context.config.root.lexically_normal() == "/";
    request.sync = context.config.sync_fdatasync ? pkg::SyncMethod::fdatasync : pkg::SyncMethod::syncfs;
}

int run_and_report(Context& context, const pkg::TransactionRequest& request, bool dry_run,
                   std::string_view when_empty) {
    bool carried_out = false;
    auto confirm = [&](const pkg::Plan& plan) {
        if (plan.changes.empty()) {
            if (!context.json() && !when_empty.empty()) context.out << when_empty << '\n';
            return false;
        }
        if (!context.json()) {
            for (const auto& c : plan.changes) context.out << line_of(c) << '\n';
            context.out.flush();
        }
        if (dry_run) return false;
        carried_out = context.events.ask({fmt::format("Carry out {} change{}?", plan.changes.size(),
                                                      plan.changes.size() == 1 ? "" : "s"),
                                          true});
        if (!carried_out) throw pkg::Declined("nothing was changed");
        return true;
    };
    pkg::Plan plan = pkg::run_transaction(context.door(), context.database(), request, context.events, confirm);
    if (context.json()) {
        context.print_json({{"dry-run", dry_run}, {"changes", changes_json(plan)}});
    }
    return 0;
}

}  // namespace pkgmgr
