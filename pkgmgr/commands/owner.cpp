// pkg owner PATH...: which installed package owns each path, as pacman -Qo.

#include <nlohmann/json.hpp>

#include "command.hpp"
#include "context.hpp"
#include "pkg/error.hpp"

namespace pkgmgr {
namespace {

class OwnerCommand final : public Command {
public:
    std::string_view name() const override { return "owner"; }
    std::string_view summary() const override { return "Show which installed package owns each path"; }
    void describe(OptionSink& options) override {
        options.positional_list("PATH", paths_, "Paths, with or without the root's prefix", true);
    }
    RootAccess root_access() const override { return RootAccess::read; }

    int run(Context& context) override {
        const auto* db = context.installed();
        nlohmann::ordered_json results = nlohmann::ordered_json::array();
        int status = 0;
        for (const auto& given : paths_) {
            if (given.empty()) throw pkg::UsageError("an empty path");
        }
        for (const auto& given : paths_) {
            std::string path = context.path_in_root(given);
            std::string shown = "/" + path;
            nlohmann::ordered_json owners = nlohmann::ordered_json::array();
            std::string text;
            if (db && !path.empty()) {
                for (const auto& name : db->owners_of(path)) {
                    auto p = db->package(name);
                    std::string version = p ? p->version + "-" + p->release : "";
                    owners.push_back({{"name", name}, {"version", version}});
                    text += (text.empty() ? "" : ", ") + name + " " + version;
                }
            }
            if (owners.empty()) status = 1;
            if (context.json()) {
                results.push_back({{"path", shown}, {"owners", owners}});
            } else if (owners.empty()) {
                context.events.message({pkg::Level::error, fmt::format("no package owns {}", shown)});
            } else {
                context.out << shown << " is owned by " << text << '\n';
            }
        }
        if (context.json()) context.print_json({{"paths", results}});
        return status;
    }

private:
    std::vector<std::string> paths_;
};

const CommandRegistration registration([] { return std::make_unique<OwnerCommand>(); });

}  // namespace
}  // namespace pkgmgr
