// pkg files NAME...: the paths an installed package owns, as pacman -Ql.

#include <nlohmann/json.hpp>

#include "command.hpp"
#include "context.hpp"
#include "pkg/error.hpp"

namespace pkgmgr {
namespace {

class FilesCommand final : public Command {
public:
    std::string_view name() const override { return "files"; }
    std::string_view summary() const override { return "List the paths an installed package owns"; }
    void describe(OptionSink& options) override {
        options.positional_list("NAME", names_, "Installed packages", true);
    }
    RootAccess root_access() const override { return RootAccess::read; }

    int run(Context& context) override {
        const auto* db = context.installed();
        for (const auto& name : names_) {
            if (!db || !db->package(name)) {
                throw pkg::with_hint(pkg::Error("no package named '{}' is installed", name), "'pkg list' lists them");
            }
        }
        nlohmann::ordered_json all = nlohmann::ordered_json::array();
        for (const auto& name : names_) {
            nlohmann::ordered_json files = nlohmann::ordered_json::array();
            for (const auto& f : db->files_of(name)) {
                if (context.json()) {
                    files.push_back({{"path", "/" + f.path},
                                     {"type", f.type},
                                     {"mode", f.mode},
                                     {"size", f.size},
                                     {"sha256", f.sha256},
                                     {"target", f.target},
                                     {"config", f.config}});
                } else {
                    context.out << name << " /" << f.path << (f.type == "dir" ? "/" : "") << '\n';
                }
            }
            if (context.json()) all.push_back({{"name", name}, {"files", files}});
        }
        if (context.json()) context.print_json({{"packages", all}});
        return 0;
    }

private:
    std::vector<std::string> names_;
};

const CommandRegistration registration([] { return std::make_unique<FilesCommand>(); });

}  // namespace
}  // namespace pkgmgr
