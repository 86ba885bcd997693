#pragma once

// A transaction (DESIGN.md, "A transaction", steps 3 to 7): journal, stage,
// commit, finish, and recovery. The caller holds the root's lock.

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "pkg/events.hpp"
#include "pkg/export.hpp"
#include "pkg/transaction/plan.hpp"

namespace pkg {
class Door;
namespace db {
class Database;
}

/// How a transaction makes what it wrote durable (pkg.conf's `sync`): one
/// syncfs per filesystem per sync point, or the fallback for a filesystem
/// busy with other writers (syncfs flushes theirs too): an fdatasync of
/// every file written and an fsync of every directory changed, batched at
/// each sync point.
enum class SyncMethod { syncfs, fdatasync };

struct TransactionRequest {
    PlanRequest plan;
    std::vector<std::filesystem::path> files;  ///< the package file of each of plan.install
    std::string command;                       ///< for the journal and the history
    std::string user;
    /// Whether plan.reason was asked for (--asdeps, --asexplicit): an
    /// upgrade keeps the installed reason otherwise.
    bool reason_given = false;
    SyncMethod sync = SyncMethod::syncfs;
};

/// Plans the request against the database and the root; when `confirm`
/// accepts the plan, carries it out and returns it. Any failure after the
/// journal is written rolls the root and the database back before the
/// error propagates.
PKG_API Plan run_transaction(Door& door, db::Database& database, const TransactionRequest& request,
                             EventSink& events, const std::function<bool(const Plan&)>& confirm);

/// Recovers what an interrupted transaction left (a `planned` or `rolling
/// back` journal is rolled back, a `committed` one forward); returns whether
/// there was one. Idempotent and safe to kill.
PKG_API bool recover(Door& door, db::Database& database, EventSink& events);

}  // namespace pkg
