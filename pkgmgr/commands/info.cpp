// pkg info NAME...: an installed package's details, as pacman -Qi.

#include <ctime>
#include <nlohmann/json.hpp>

#include "command.hpp"
#include "context.hpp"
#include "output/fields.hpp"
#include "pkg/error.hpp"

namespace pkgmgr {
namespace {

std::string utc(std::int64_t seconds) {
    std::time_t t = static_cast<std::time_t>(seconds);
    std::tm tm {};
    gmtime_r(&t, &tm);
    char buffer[64];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return buffer;
}

class InfoCommand final : public Command {
public:
    std::string_view name() const override { return "info"; }
    std::string_view summary() const override { return "Show an installed package's details"; }
    void describe(OptionSink& options) override {
        options.positional_list("NAME", names_, "Installed packages", true);
    }
    RootAccess root_access() const override { return RootAccess::read; }

    int run(Context& context) override {
        const auto* db = context.installed();
        std::vector<pkg::db::InstalledPackage> found;
        for (const auto& name : names_) {
            auto p = db ? db->package(name) : std::nullopt;
            if (!p) throw pkg::with_hint(pkg::Error("no package named '{}' is installed", name), "'pkg list' lists them");
            found.push_back(std::move(*p));
        }
        nlohmann::ordered_json all = nlohmann::ordered_json::array();
        bool first = true;
        for (const auto& p : found) {
            auto required_by = db->dependents_of(p.name);
            const char* reason = p.reason == pkg::db::Reason::automatic ? "automatic" : "explicit";
            if (context.json()) {
                all.push_back({{"name", p.name},
                               {"version", p.version},
                               {"release", p.release},
                               {"arch", p.arch},
                               {"depends", p.depends},
                               {"provides", p.provides},
                               {"conflicts", p.conflicts},
                               {"required-by", required_by},
                               {"size", p.size},
                               {"installed", p.installed_at},
                               {"reason", reason},
                               {"held", p.held},
                               {"port-hash", p.port_hash}});
                continue;
            }
            if (!first) context.out << '\n';
            first = false;
            auto field = [&](std::string_view label, const std::string& value) {
                print_field(context.out, label, value, 15);
            };
            field("Name", p.name);
            field("Version", p.version + "-" + p.release);
            field("Architecture", p.arch);
            field("Depends", join_or_none(p.depends));
            field("Provides", join_or_none(p.provides));
            field("Conflicts", join_or_none(p.conflicts));
            field("Required by", join_or_none(required_by));
            field("Installed size", std::to_string(p.size) + " bytes");
            field("Installed", utc(p.installed_at));
            field("Reason", p.reason == pkg::db::Reason::automatic ? "installed as a dependency" : "explicitly installed");
            field("Held", p.held ? "yes" : "no");
            field("Port hash", p.port_hash.empty() ? "None" : p.port_hash);
        }
        if (context.json()) context.print_json({{"packages", all}});
        return 0;
    }

private:
    std::vector<std::string> names_;
};

const CommandRegistration registration([] { return std::make_unique<InfoCommand>(); });

}  // namespace
}  // namespace pkgmgr
