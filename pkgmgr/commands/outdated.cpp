// pkg outdated: the installed packages whose port changed since they were
// built (its version, release or port hash).

#include <nlohmann/json.hpp>

#include "command.hpp"
#include "context.hpp"
#include "pkg/build/build_plan.hpp"
#include "ports_view.hpp"

namespace pkgmgr {
namespace {

class OutdatedCommand final : public Command {
public:
    std::string_view name() const override { return "outdated"; }
    std::string_view summary() const override { return "List installed packages whose port changed"; }
    void describe(OptionSink&) override {}
    RootAccess root_access() const override { return RootAccess::read; }

    int run(Context& context) override {
        std::map<std::string, pkg::InstalledPort> installed;
        std::map<std::string, bool> held;
        if (const auto* db = context.installed()) {
            for (const auto& p : db->packages()) {
                installed[p.name] = {p.version + "-" + p.release, p.port_hash};
                held[p.name] = p.held;
            }
        }
        PortsView view(context.config);
        pkg::PortHasher hasher(view.resolver());
        auto outdated = pkg::outdated_ports(view.tree(), hasher, installed);
        if (context.json()) {
            nlohmann::ordered_json list = nlohmann::ordered_json::array();
            for (const auto& o : outdated) {
                list.push_back({{"name", o.name},
                                {"installed", o.installed},
                                {"available", o.available},
                                {"reason", o.version_changed ? "version" : "port"},
                                {"held", held[o.name]}});
            }
            context.print_json({{"outdated", list}});
            return 0;
        }
        for (const auto& o : outdated) {
            context.out << o.name << ' ' << o.installed << " -> " << o.available
                        << (o.version_changed ? "" : " (the port changed)") << (held[o.name] ? " [held]" : "")
                        << '\n';
        }
        return 0;
    }
};

const CommandRegistration registration([] { return std::make_unique<OutdatedCommand>(); });

}  // namespace
}  // namespace pkgmgr
