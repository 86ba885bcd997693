#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "pkg/config.hpp"
#include "pkg/events.hpp"

namespace pkgmgr {

/// The options every command takes (pkg(8), GLOBAL OPTIONS).
struct GlobalOptions {
    std::string root;
    std::string config;
    std::vector<std::string> ports;
    bool json = false;
    int verbose = 0;
    int quiet = 0;
    bool yes = false;
    bool no_wait = false;
    bool version = false;

    /// -v minus -q: below 0 quieter, above 0 more verbose.
    int verbosity() const { return verbose - quiet; }
};

/// What a running command has: the options, the configuration, where events
/// go and where its result goes.
class Context {
public:
    Context(const GlobalOptions& options, pkg::Config config, pkg::EventSink& events,
            std::ostream& out)
        : options(options), config(std::move(config)), events(events), out(out) {}

    bool json() const { return options.json; }
    /// Writes the command's result document: with --json the one JSON document on stdout.
    void print_json(const nlohmann::ordered_json& document);

    const GlobalOptions& options;
    pkg::Config config;
    pkg::EventSink& events;
    std::ostream& out;
};

}  // namespace pkgmgr
