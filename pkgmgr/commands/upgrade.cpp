// pkg upgrade [NAME...]: rebuilds the outdated packages (all, or those
// named) from their ports and upgrades them in dependency order, each
// through its own transaction; held packages stay as they are.

#include <nlohmann/json.hpp>

#include "command.hpp"
#include "context.hpp"
#include "pkg/build/build_plan.hpp"
#include "pkg/error.hpp"
#include "port_builds.hpp"
#include "ports_view.hpp"

namespace pkgmgr {
namespace {

class UpgradeCommand final : public Command {
public:
    std::string_view name() const override { return "upgrade"; }
    std::string_view summary() const override { return "Rebuild and upgrade installed packages whose port changed"; }
    void describe(OptionSink& options) override {
        options.positional_list("NAME", names_, "Installed packages to upgrade (default: every outdated one)", false);
        options.flag("--dry-run", dry_run_, "Show what would be fetched, built and upgraded, and do nothing");
        options.flag("--keep", keep_, "Keep the build directories");
        options.flag("--no-sandbox", no_sandbox_, "Build on the host, without the sandbox (a warning says so)");
    }
    RootAccess root_access() const override { return RootAccess::write; }

    int run(Context& context) override {
        std::map<std::string, pkg::InstalledPort> installed;
        std::map<std::string, bool> held;
        for (const auto& p : context.database().packages()) {
            installed[p.name] = {p.version + "-" + p.release, p.port_hash};
            held[p.name] = p.held;
        }
        for (const auto& name : names_) {
            if (!installed.count(name)) throw pkg::UsageError("{} is not installed", name);
        }
        PortsView view(context.config);
        pkg::PortHasher hasher(view.resolver());
        std::vector<std::string> targets;
        for (const auto& o : pkg::outdated_ports(view.tree(), hasher, installed)) {
            bool named = names_.empty() || std::find(names_.begin(), names_.end(), o.name) != names_.end();
            if (!named) continue;
            if (held[o.name]) {
                context.events.message({pkg::Level::warning,
                                        fmt::format("{} is held: left at {} ({} is available)", o.name,
                                                    o.installed, o.available)});
                continue;
            }
            targets.push_back(o.name);
        }
        if (targets.empty()) {
            if (context.json()) {
                context.print_json({{"dry-run", dry_run_}, {"steps", nlohmann::ordered_json::array()},
                                    {"packages", nlohmann::ordered_json::array()}});
            } else {
                context.out << "nothing to upgrade\n";
            }
            return 0;
        }
        PortBuildOptions o;
        o.dry_run = dry_run_;
        o.keep = keep_;
        o.sandbox = !no_sandbox_;
        o.upgrade = true;
        o.command = "pkg upgrade";
        for (const auto& n : names_) o.command += " " + n;
        return build_and_install(context, targets, o);
    }

private:
    std::vector<std::string> names_;
    bool dry_run_ = false, keep_ = false, no_sandbox_ = false;
};

const CommandRegistration registration([] { return std::make_unique<UpgradeCommand>(); });

}  // namespace
}  // namespace pkgmgr
