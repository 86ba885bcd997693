// The pkg command: parses the command line with CLI11 (the only file that
// includes it), loads the configuration, runs one command and turns its
// errors into the exit status of pkg(8).

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <optional>
#include <nlohmann/json.hpp>

#include "command.hpp"
#include "context.hpp"
#include "exit_status.hpp"
#include "output/escape.hpp"
#include "output/json_sink.hpp"
#include "output/text_sink.hpp"
#include "pkg/cleanup.hpp"
#include "pkg/error.hpp"

namespace pkgmgr {
namespace {

class CliOptions final : public OptionSink {
public:
    explicit CliOptions(CLI::App& app) : app_(app) {}

    void flag(const std::string& names, bool& target, const std::string& help) override {
        app_.add_flag(names, target, help);
    }
    void option(const std::string& names, std::string& target, const std::string& help,
                const std::string& value_name) override {
        app_.add_option(names, target, help)->type_name(value_name);
    }
    void option_list(const std::string& names, std::vector<std::string>& target,
                     const std::string& help, const std::string& value_name) override {
        app_.add_option(names, target, help)
            ->type_name(value_name)
            ->expected(1)
            ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    }
    void positional(const std::string& name, std::string& target, const std::string& help,
                    bool required) override {
        app_.add_option(name, target, help)->required(required);
    }
    void positional_list(const std::string& name, std::vector<std::string>& target,
                         const std::string& help, bool required) override {
        app_.add_option(name, target, help)->required(required);
    }

private:
    CLI::App& app_;
};

struct GivenOptions {
    CLI::Option* root = nullptr;
    CLI::Option* config = nullptr;
    CLI::Option* ports = nullptr;
};

GivenOptions add_global_options(CLI::App& app, GlobalOptions& g) {
    GivenOptions given;
    given.root = app.add_option("--root", g.root, "Act on the system installed under DIR (default /)")
        ->type_name("DIR");
    given.config = app.add_option("--config", g.config, "Read configuration from FILE")->type_name("FILE");
    given.ports = app.add_option("--ports", g.ports, "Ports directory; repeat for overlays, first wins")
        ->type_name("DIR")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_flag("--json", g.json, "Print the result as one JSON document, events as JSON lines");
    app.add_flag("-v,--verbose", g.verbose, "Say more; repeat for debug messages");
    app.add_flag("-q,--quiet", g.quiet, "Say less: warnings and errors only, no progress");
    app.add_flag("-y,--yes", g.yes, "Answer yes to every question");
    app.add_flag("--no-wait", g.no_wait, "Fail with exit status 4 instead of waiting for a lock");
    app.add_flag("--version", g.version, "Print pkg's version and exit");
    return given;
}

// "--name=" with nothing after the '=' is the option with an empty value;
// CLI11 would take the next argument as its value instead.
std::vector<std::string> split_empty_values(int argc, char** argv) {
    std::vector<std::string> out;
    for (int i = 0; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--") {
            out.insert(out.end(), argv + i, argv + argc);
            break;
        }
        if (arg.size() > 3 && arg.starts_with("--") && arg.back() == '=' && arg.find('=') == arg.size() - 1) {
            out.emplace_back(arg.substr(0, arg.size() - 1));
            out.emplace_back();
            continue;
        }
        out.emplace_back(arg);
    }
    return out;
}

pkg::Config load(const GlobalOptions& g, const GivenOptions& given) {
    pkg::ConfigSources sources;
    // An option given on the command line always wins, an empty value too:
    // it is refused, as an empty value is from every other source.
    if (given.config->count() > 0) {
        if (g.config.empty()) throw pkg::UsageError("--config: an empty file name");
        sources.config_file = g.config;
    }
    sources.default_file = PKG_DEFAULT_CONFIG;
    sources.environment = pkg::current_environment();
    if (given.root->count() > 0) sources.command_line["root"] = {g.root};
    if (given.ports->count() > 0) sources.command_line["ports"] = g.ports;
    std::error_code ec;
    sources.working_directory = std::filesystem::current_path(ec);
    if (ec) throw pkg::SystemError(ec.value(), "cannot find the working directory");
    return pkg::load_config(sources);
}

int print_version(const GlobalOptions& g) {
    if (g.json) {
        nlohmann::ordered_json j = {{"name", "pkg"}, {"version", PKG_VERSION}};
        std::cout << j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
    } else {
        std::cout << "pkg " << PKG_VERSION << '\n';
    }
    return 0;
}

bool wants_json(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--") break;
        if (arg == "--json") return true;
    }
    return false;
}

int run(int argc, char** argv) {
    GlobalOptions g;
    auto commands = make_commands();
    CLI::App app{"pkg: a source-based package manager", "pkg"};
    app.fallthrough();
    // One command; a later word that names a command is an argument (a port
    // called "config"), not a second command.
    app.require_subcommand(0, 1);
    app.footer("Run 'pkg COMMAND --help' for a command's options; see pkg(8).");
    GivenOptions given = add_global_options(app, g);
    std::vector<std::pair<CLI::App*, Command*>> subcommands;
    for (auto& command : commands) {
        CLI::App* sub = app.add_subcommand(std::string(command->name()), std::string(command->summary()));
        CliOptions options(*sub);
        command->describe(options);
        subcommands.emplace_back(sub, command.get());
    }

    Style plain = detect_style(pkg::ColorMode::automatic, 0, false);
    try {
        std::vector<std::string> args = split_empty_values(argc, argv);
        std::vector<std::string> reversed(args.rbegin(), args.rend() - 1);  // CLI11 takes them in reverse, argv[0] left out
        app.parse(reversed);
    } catch (const CLI::Success& e) {
        return app.exit(e);  // --help: printed on stdout, exit 0
    } catch (const CLI::ParseError& e) {
        std::string message = e.what();
        pkg::UsageError error("{}", message);
        error.set_hint("see 'pkg --help'");
        return report_error(error, wants_json(argc, argv), plain, std::cout, std::cerr);
    }

    if (g.version) return print_version(g);
    Command* selected = nullptr;
    for (auto& [sub, command] : subcommands) {
        if (sub->parsed()) selected = command;
    }
    try {
        if (!selected) throw pkg::with_hint(pkg::UsageError("no command given"), "see 'pkg --help'");
        pkg::Config config = load(g, given);
        Style style = detect_style(config.color, g.verbosity(), g.yes);
        plain = style;
        std::unique_ptr<pkg::EventSink> sink;
        if (g.json) {
            sink = std::make_unique<JsonSink>(std::cerr, g.yes, g.verbosity());
        } else {
            sink = std::make_unique<TextSink>(std::cerr, std::cin, style);
        }
        // Text on standard output never carries a raw control character.
        std::optional<TerminalGuard> guard;
        if (!g.json) guard.emplace(std::cout);
        Context context(g, std::move(config), *sink, std::cout);
        if (selected->root_access() == RootAccess::read) context.open_read_view();
        if (selected->root_access() == RootAccess::write) context.open_for_writing(false);
        if (selected->root_access() == RootAccess::create) context.open_for_writing(true);
        int status = selected->run(context);
        std::cout.flush();
        if (!std::cout) throw pkg::SystemError{errno ? errno : EIO, "cannot write the output"};
        return status;
    } catch (const std::exception& e) {
        return report_error(e, g.json, plain, std::cout, std::cerr);
    }
}

}  // namespace
}  // namespace pkgmgr

int main(int argc, char** argv) {
    pkg::remove_temporaries_on_signals();
    try {
        return pkgmgr::run(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "error: internal error: " << e.what() << '\n';
        return 1;
    }
}
