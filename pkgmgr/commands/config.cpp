// pkg config [KEY...]: shows the configuration in effect and where each value came from.

#include <nlohmann/json.hpp>

#include "command.hpp"
#include "context.hpp"
#include "pkg/error.hpp"

namespace pkgmgr {
namespace {

class ConfigCommand final : public Command {
public:
    std::string_view name() const override { return "config"; }
    std::string_view summary() const override {
        return "Show the configuration in effect and where each value came from";
    }
    void describe(OptionSink& options) override {
        options.positional_list("KEY", keys_, "Show only these keys, values alone", false);
        options.flag("--origin", origin_, "Show where each value came from");
    }
    int run(Context& context) override {
        const pkg::Config& config = context.config;
        std::vector<std::string> keys = keys_;
        bool all = keys.empty();
        if (all) {
            keys = pkg::config_keys();
            for (const auto& [name, port] : config.providers) keys.push_back("provider." + name);
        }
        if (context.json()) {
            nlohmann::ordered_json settings = nlohmann::ordered_json::object();
            for (const auto& key : keys) {
                settings[key] = {{"value", json_value(config, key)},
                                 {"origin", config.origin.at(key)}};
                if (key == "jobs") settings[key]["effective"] = config.jobs;
            }
            nlohmann::ordered_json file =
                config.file ? nlohmann::ordered_json(config.file->string()) : nlohmann::ordered_json();
            context.print_json(nlohmann::ordered_json{{"file", file}, {"settings", settings}});
            return 0;
        }
        for (const auto& key : keys) {
            std::string value = pkg::config_value(config, key);
            std::string line = all ? key + " = " + value : value;
            if (origin_) line += "  # " + config.origin.at(key);
            if (key == "jobs" && config.jobs_setting == 0 && all) {
                line += fmt::format("{} one per CPU: {}", origin_ ? "," : "  #", config.jobs);
            }
            context.out << line << '\n';
        }
        return 0;
    }

private:
    static nlohmann::ordered_json json_value(const pkg::Config& config, const std::string& key) {
        if (key == "ports") {
            nlohmann::ordered_json list = nlohmann::ordered_json::array();
            for (const auto& p : config.ports) list.push_back(p.string());
            return list;
        }
        if (key == "assume-installed") return config.assume_installed;
        if (key == "jobs") return config.jobs_setting;
        return pkg::config_value(config, key);
    }

    std::vector<std::string> keys_;
    bool origin_ = false;
};

const CommandRegistration registration([] { return std::make_unique<ConfigCommand>(); });

}  // namespace
}  // namespace pkgmgr
