// pkg list [--explicit|--automatic]: the installed packages, as pacman -Q.

#include <nlohmann/json.hpp>

#include "command.hpp"
#include "context.hpp"
#include "pkg/error.hpp"

namespace pkgmgr {
namespace {

class ListCommand final : public Command {
public:
    std::string_view name() const override { return "list"; }
    std::string_view summary() const override { return "List the installed packages"; }
    void describe(OptionSink& options) override {
        options.flag("--explicit", explicit_, "Only packages installed explicitly");
        options.flag("--automatic", automatic_, "Only packages installed as dependencies");
    }
    RootAccess root_access() const override { return RootAccess::read; }

    int run(Context& context) override {
        if (explicit_ && automatic_) throw pkg::UsageError("--explicit and --automatic exclude each other");
        nlohmann::ordered_json list = nlohmann::ordered_json::array();
        std::vector<pkg::db::InstalledPackage> packages;
        if (const auto* db = context.installed()) packages = db->packages();
        for (const auto& p : packages) {
            bool automatic = p.reason == pkg::db::Reason::automatic;
            if ((explicit_ && automatic) || (automatic_ && !automatic)) continue;
            if (context.json()) {
                list.push_back({{"name", p.name},
                                {"version", p.version},
                                {"release", p.release},
                                {"reason", automatic ? "automatic" : "explicit"},
                                {"held", p.held}});
            } else {
                context.out << p.name << ' ' << p.version << '-' << p.release << '\n';
            }
        }
        if (context.json()) context.print_json({{"packages", list}});
        return 0;
    }

private:
    bool explicit_ = false;
    bool automatic_ = false;
};

const CommandRegistration registration([] { return std::make_unique<ListCommand>(); });

}  // namespace
}  // namespace pkgmgr
