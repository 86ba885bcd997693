// pkg fetch PORT... [--deps]: downloads and verifies ports' sources into
// the distfile cache (pkg.conf(5), FETCHING).

#include <nlohmann/json.hpp>

#include "command.hpp"
#include "context.hpp"
#include "fetch_view.hpp"
#include "ports_view.hpp"

namespace pkgmgr {
namespace {

class FetchCommand final : public Command {
public:
    std::string_view name() const override { return "fetch"; }
    std::string_view summary() const override { return "Download and verify ports' sources"; }
    void describe(OptionSink& options) override {
        options.positional_list("PORT", ports_, "Ports whose sources to fetch", true);
        options.flag("--deps", deps_, "Also fetch the sources of every port their builds need");
    }

    int run(Context& context) override {
        PortsView view(context.config);
        std::vector<const pkg::Port*> targets;
        for (const auto& name : ports_) targets.push_back(&view.tree().get(name));
        std::vector<const pkg::Port*> ports = deps_ ? view.resolver().build_order(targets) : targets;
        std::vector<pkg::FetchRequest> requests;
        std::vector<std::string> seen;
        for (const pkg::Port* port : ports) {
            if (std::find(seen.begin(), seen.end(), port->name) != seen.end()) continue;
            seen.push_back(port->name);
            for (auto& r : fetch_requests(*port, context.config)) requests.push_back(std::move(r));
        }
        pkg::Fetcher fetcher(fetch_settings(context.config, context.events), context.events);
        std::vector<pkg::FetchResult> results = fetcher.fetch(requests);
        if (context.json()) {
            nlohmann::ordered_json list = nlohmann::ordered_json::array();
            for (size_t i = 0; i < results.size(); ++i) {
                const auto& r = results[i];
                list.push_back({{"port", requests[i].label},
                                {"file", r.file.filename().string()},
                                {"path", r.file.string()},
                                {"alternative", r.alternative < 0 ? nlohmann::ordered_json() : nlohmann::ordered_json(r.alternative)},
                                {pkg::digest_name(r.algorithm), r.digest},
                                {"size", r.size},
                                {"cached", r.cached}});
            }
            context.print_json({{"sources", list}});
            return 0;
        }
        for (size_t i = 0; i < results.size(); ++i) {
            const auto& r = results[i];
            context.out << requests[i].label << ' ' << r.file.string() << (r.cached ? " (cached)" : "") << '\n';
        }
        return 0;
    }

private:
    std::vector<std::string> ports_;
    bool deps_ = false;
};

const CommandRegistration registration([] { return std::make_unique<FetchCommand>(); });

}  // namespace
}  // namespace pkgmgr
