// pkg history: each finished transaction, oldest first.

#include <ctime>
#include <nlohmann/json.hpp>

#include "command.hpp"
#include "context.hpp"
#include "output/escape.hpp"

namespace pkgmgr {
namespace {

class HistoryCommand final : public Command {
public:
    std::string_view name() const override { return "history"; }
    std::string_view summary() const override { return "Show each finished transaction: when, who, what changed"; }
    void describe(OptionSink&) override {}
    RootAccess root_access() const override { return RootAccess::read; }

    int run(Context& context) override {
        nlohmann::ordered_json all = nlohmann::ordered_json::array();
        std::vector<pkg::db::Database::HistoryEntry> entries;
        if (const auto* db = context.installed()) entries = db->history();
        for (const auto& h : entries) {
            auto changes = nlohmann::ordered_json::parse(h.changes, nullptr, false);
            if (changes.is_discarded()) changes = nlohmann::ordered_json::array();
            if (context.json()) {
                all.push_back({{"at", h.at}, {"user", h.user}, {"command", h.command}, {"changes", changes}});
                continue;
            }
            std::time_t t = static_cast<std::time_t>(h.at);
            std::tm tm {};
            gmtime_r(&t, &tm);
            char when[32];
            std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
            context.out << when << " UTC " << terminal_text(h.user) << ": " << terminal_text(h.command) << '\n';
            for (const auto& c : changes) {
                std::string line = "  " + c.value("action", "") + " " + c.value("name", "");
                std::string from = c.value("from", ""), to = c.value("to", "");
                if (!from.empty() && !to.empty()) line += " " + from + " -> " + to;
                else line += " " + (to.empty() ? from : to);
                context.out << terminal_text(line) << '\n';
            }
        }
        if (context.json()) context.print_json({{"transactions", all}});
        return 0;
    }
};

const CommandRegistration registration([] { return std::make_unique<HistoryCommand>(); });

}  // namespace
}  // namespace pkgmgr
