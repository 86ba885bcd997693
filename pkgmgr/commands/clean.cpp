// pkg clean: removes distfiles no port of the tree needs, packages no
// longer built from the tree, and leftover build directories.

#include <nlohmann/json.hpp>

#include "command.hpp"
#include "context.hpp"
#include "pkg/build/clean.hpp"
#include "ports_view.hpp"

namespace pkgmgr {
namespace {

std::string human(std::uint64_t bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double value = static_cast<double>(bytes);
    int unit = 0;
    while (value >= 1024 && unit < 4) {
        value /= 1024;
        ++unit;
    }
    return unit == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", value, units[unit]);
}

class CleanCommand final : public Command {
public:
    std::string_view name() const override { return "clean"; }
    std::string_view summary() const override { return "Remove unneeded distfiles, stale packages and leftover builds"; }
    void describe(OptionSink& options) override {
        options.flag("--dry-run", dry_run_, "Show what would be removed, and remove nothing");
    }

    int run(Context& context) override {
        PortsView view(context.config);
        pkg::CleanPlaces places{context.config.cache_dir, context.config.packages_dir, context.config.build_dir,
                                context.config.mirrors};
        std::vector<pkg::CleanItem> items = pkg::plan_clean(view.tree(), places);
        std::uint64_t total = 0;
        for (const auto& item : items) total += item.bytes;
        if (!dry_run_) pkg::carry_out_clean(items);
        if (context.json()) {
            nlohmann::ordered_json list = nlohmann::ordered_json::array();
            for (const auto& item : items) {
                list.push_back({{"kind", pkg::clean_kind_name(item.kind)}, {"path", item.path.string()}, {"bytes", item.bytes}});
            }
            context.print_json({{"dry-run", dry_run_}, {"removed", list}, {"bytes", total}});
            return 0;
        }
        for (const auto& item : items) {
            context.out << (dry_run_ ? "would remove " : "removed ") << pkg::clean_kind_name(item.kind) << ' '
                        << item.path.string() << " (" << human(item.bytes) << ")\n";
        }
        context.out << (items.empty() ? "nothing to clean" : (dry_run_ ? "would free " : "freed ") + human(total))
                    << '\n';
        return 0;
    }

private:
    bool dry_run_ = false;
};

const CommandRegistration registration([] { return std::make_unique<CleanCommand>(); });

}  // namespace
}  // namespace pkgmgr
