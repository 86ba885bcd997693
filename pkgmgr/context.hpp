#pragma once

#include <nlohmann/json_fwd.hpp>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "pkg/config.hpp"
#include "pkg/db/database.hpp"
#include "pkg/events.hpp"
#include "pkg/root/door.hpp"
#include "pkg/transaction/lock.hpp"

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

    /// The installed database, for commands that asked for a read view:
    /// nullptr when nothing was ever installed in the root.
    const pkg::db::Database* installed() const { return installed_ ? &*installed_ : nullptr; }
    /// The root's door, for commands that asked for a read view.
    pkg::Door& door() const { return *door_; }
    /// Opens the root's door and the database read-only (RootAccess::read).
    void open_read_view();
    /// Takes the root's lock and opens the database for writing
    /// (RootAccess::write); with `create`, makes a missing root first.
    void open_for_writing(bool create);
    pkg::db::Database& database() { return *installed_; }
    /// `path` as the database names it: relative to the root, given with or
    /// without the root's prefix, or relative to the working directory.
    std::string path_in_root(const std::string& path) const;

    const GlobalOptions& options;
    pkg::Config config;
    pkg::EventSink& events;
    std::ostream& out;

private:
    std::unique_ptr<pkg::Door> door_;
    std::unique_ptr<pkg::RootLock> lock_;
    std::optional<pkg::db::Database> installed_;
};

}  // namespace pkgmgr
