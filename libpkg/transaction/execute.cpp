// A transaction carried out (DESIGN.md, "A transaction", steps 3 to 6):
// journal the intent, stage every new entry under a temporary name (old
// versions kept aside by a hard link), syncfs, rename into place, syncfs,
// commit the database with the journal marked committed, then finish.

#include <algorithm>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <ctime>
#include <fmt/format.h>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>
#include <unordered_map>

#include "pkg/db/database.hpp"
#include "pkg/error.hpp"
#include "pkg/package/package_io.hpp"
#include "pkg/root/door.hpp"
#include "pkg/transaction/transaction.hpp"
#include "transaction_steps.hpp"

namespace pkg {
namespace {

std::string parent_of(const std::string& path) {
    std::size_t slash = path.rfind('/');
    return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

std::string beside(const std::string& path, const std::string& name) {
    std::string parent = parent_of(path);
    return parent.empty() ? name : parent + "/" + name;
}

// The journal of a plan: one entry per path, temporary and aside names that
// carry the transaction id, and the filesystems they are on.
db::Journal journal_of(Door& door, const Plan& plan, const TransactionRequest& request, const std::string& txid) {
    db::Journal j;
    j.txid = txid;
    j.pid = ::getpid();
    j.boot_id = db::current_boot_id();
    j.started_at = static_cast<std::int64_t>(std::time(nullptr));
    j.user = request.user;
    j.command = request.command;
    std::map<dev_t, int> filesystems;
    std::map<std::string, int> by_parent;  // most paths share their parent with others
    auto filesystem_of = [&](const std::string& path) {
        std::string dir = parent_of(path);
        if (auto known = by_parent.find(dir); known != by_parent.end()) return known->second;
        std::string asked = dir;
        // A parent the transaction creates (or turns into a directory) lies
        // on its own parent's filesystem.
        for (;;) {
            if (dir.empty()) break;
            auto st = door.stat(dir);
            if (st && S_ISDIR(st->mode)) break;
            dir = parent_of(dir);
        }
        int fd = door.open_directory(dir.empty() ? "." : dir);
        struct stat st {};
        int rc = ::fstat(fd, &st);
        ::close(fd);
        if (rc != 0) throw SystemError{errno, door.root() / dir, "cannot stat {}", (door.root() / dir).string()};
        dev_t dev = st.st_dev;
        auto [it, fresh] = filesystems.emplace(dev, static_cast<int>(j.filesystems.size()));
        if (fresh) j.filesystems.push_back({static_cast<std::uint64_t>(dev), dir});
        by_parent[asked] = it->second;
        return it->second;
    };
    std::size_t seq = 0;
    // Paths that change from or to a directory -> their temporary name.
    std::map<std::string, std::string> exchanged;
    for (const PathStep& step : plan.paths) {
        db::JournalEntry e;
        e.path = step.path;
        e.filesystem = filesystem_of(step.path);
        // Made only where used (a removal of thousands of files needs none).
        auto temporary = [&, n = seq++] { return beside(step.path, fmt::format("{}{}-{}", kTemporaryPrefix, txid, n)); };
        bool is_dir = step.entry && step.entry->type == EntryType::dir;
        // Below such a path, an entry lives inside its temporary tree.
        std::string inside;
        for (std::string up = parent_of(step.path); !up.empty() && inside.empty(); up = parent_of(up)) {
            if (auto it = exchanged.find(up); it != exchanged.end()) inside = it->second + step.path.substr(up.size());
        }
        if (!inside.empty()) {
            if (step.action == PathAction::create) {
                e.type = entry_type_name(step.entry->type);
                e.action = is_dir ? "mkdir" : "create";
            } else if (step.action == PathAction::remove) {
                e.action = step.was_dir ? "rmdir" : "remove";
            } else {
                throw Error("/{}: cannot {} below /{}, which changes type", step.path, path_action_name(step.action),
                            inside);
            }
            e.temporary = inside;
            j.entries.push_back(std::move(e));
            continue;
        }
        switch (step.action) {
            case PathAction::create:
                e.type = step.entry ? entry_type_name(step.entry->type) : "";
                if (is_dir) {
                    e.action = "mkdir";
                } else {
                    // Replacing nothing, it may be written under its final name
                    // (the journal lists it), but never a configuration file or
                    // anything under etc/: a daemon may read a half-written one.
                    bool direct = step.entry && !step.entry->config && step.path != "etc" &&
                                  !step.path.starts_with("etc/");
                    e.action = "create";
                    if (!direct) e.temporary = temporary();
                }
                break;
            case PathAction::replace: {
                e.type = entry_type_name(step.entry->type);
                e.action = "replace";
                e.temporary = temporary();
                auto st = door.stat(step.path);
                if (is_dir != (st && S_ISDIR(st->mode))) {
                    e.aside = e.temporary;  // exchanged: the old one ends up under the temporary name
                    exchanged[step.path] = e.temporary;
                } else {
                    e.aside = e.temporary + ".old";
                }
                break;
            }
            case PathAction::keep: {
                if (!is_dir) continue;  // a kept configuration file: nothing happens to it
                auto st = door.stat(step.path);
                if (!st || (st->mode & 07777) == step.entry->mode) continue;
                e.action = "chmod";
                e.type = "dir";
                e.old_mode = st->mode & 07777;
                break;
            }
            case PathAction::write_new:
                e.path = step.path + ".pkgnew";
                e.action = "create";
                e.type = "file";
                e.temporary = temporary();
                break;
            case PathAction::remove:
                // As the package installed it: what stands there now instead
                // is not its own, and finish leaves it.
                e.action = step.was_dir ? "rmdir" : "remove";
                break;
            case PathAction::save: {
                e.action = "remove";
                std::string saved = step.path + ".pkgsave";
                for (int n = 1; door.stat(saved); ++n) saved = fmt::format("{}.pkgsave.{}", step.path, n);
                e.aside = saved;
                break;
            }
        }
        j.entries.push_back(std::move(e));
    }
    return j;
}

// Refuses, before anything is written, a transaction that needs more room
// than a filesystem has: what its new files take there in blocks (the old
// versions stay until the commit), an inode each, and a margin for the
// database and directories; naming the filesystem and both amounts.
void check_space(Door& door, const db::Journal& journal, const Plan& plan) {
    bool adds = std::any_of(journal.entries.begin(), journal.entries.end(),
                            [](const auto& e) { return e.action != "remove" && e.action != "rmdir"; });
    if (!adds) return;  // a removal only frees space
    std::unordered_map<std::string_view, const PathStep*> steps;
    for (const auto& step : plan.paths) steps[step.path] = &step;
    std::vector<std::uint64_t> bytes(journal.filesystems.size()), inodes(journal.filesystems.size());
    for (const auto& e : journal.entries) {
        std::string_view path = e.path.ends_with(".pkgnew") && !steps.count(e.path)
                                    ? std::string_view(e.path).substr(0, e.path.size() - 7)
                                    : std::string_view(e.path);
        auto it = steps.find(path);
        if (it == steps.end() || !it->second->entry || e.action == "remove" || e.action == "rmdir") continue;
        bytes[static_cast<std::size_t>(e.filesystem)] += it->second->entry->size;
        inodes[static_cast<std::size_t>(e.filesystem)] += 1;
    }
    for (std::size_t i = 0; i < journal.filesystems.size(); ++i) {
        const auto& f = journal.filesystems[i];
        int fd = door.open_directory(f.path.empty() ? "." : f.path);
        struct statvfs st {};
        int rc = ::fstatvfs(fd, &st);
        ::close(fd);
        if (rc != 0 || st.f_frsize == 0) continue;  // nothing to go by: the writes will say
        std::uint64_t block = st.f_frsize;
        // Each file rounded up to whole blocks, plus 1 MiB for the database and new directories.
        std::uint64_t need = (bytes[i] + inodes[i] * (block - 1)) / block * block + (1u << 20);
        std::uint64_t free = static_cast<std::uint64_t>(st.f_bavail) * block;
        std::string where = "/" + f.path;
        if (need > free) {
            throw with_hint(Error("not enough space on the filesystem of {}: the transaction needs {} KiB there, {} KiB "
                                  "are free",
                                  where, need / 1024, free / 1024),
                            "free some space there, or install fewer packages at once");
        }
        if (st.f_files != 0 && inodes[i] + 64 > st.f_favail) {
            throw Error("not enough inodes on the filesystem of {}: the transaction needs {}, {} are free", where,
                        inodes[i] + 64, static_cast<std::uint64_t>(st.f_favail));
        }
    }
}

std::vector<db::InstalledFile> files_of(const PackageManifest& m, bool owned_by_caller) {
    std::vector<db::InstalledFile> out;
    for (const auto& e : m.entries) {
        db::InstalledFile f;
        f.path = e.path;
        f.type = entry_type_name(e.type);
        f.mode = e.mode;
        f.uid = owned_by_caller ? static_cast<std::int64_t>(::geteuid()) : 0;
        f.gid = owned_by_caller ? static_cast<std::int64_t>(::getegid()) : 0;
        f.size = e.size;
        f.sha256 = e.sha256;
        f.target = e.target;
        f.config = e.config;
        out.push_back(std::move(f));
    }
    return out;
}

// The database's row for a package the transaction installs.
db::InstalledPackage installed_package(const PackageManifest& m, const InstalledState& installed,
                                       const TransactionRequest& request, std::int64_t installed_at) {
    db::InstalledPackage p;
    p.name = m.name;
    p.version = m.version;
    p.release = m.release;
    p.arch = m.arch;
    p.port_hash = m.port_hash;
    for (const auto& e : m.entries) p.size += e.size;
    auto old = installed.packages.find(m.name);
    p.reason = old != installed.packages.end() && !request.reason_given ? old->second.reason : request.plan.reason;
    p.held = old != installed.packages.end() && old->second.held;
    p.installed_at = installed_at;
    p.depends = m.depends;
    p.provides = m.provides;
    p.conflicts = m.conflicts;
    return p;
}

std::string history_of(const Plan& plan) {
    nlohmann::ordered_json changes = nlohmann::ordered_json::array();
    for (const auto& c : plan.changes) {
        changes.push_back({{"action", change_kind_name(c.kind)}, {"name", c.name}, {"from", c.from}, {"to", c.to}});
    }
    return changes.dump();
}

}  // namespace

Plan run_transaction(Door& door, db::Database& database, const TransactionRequest& request, EventSink& events,
                     const std::function<bool(const Plan&)>& confirm) {
    recover(door, database, events);
    DoorFacts facts(door);
    InstalledState installed = InstalledState::from(database, request.plan);
    Plan plan = make_plan(installed, facts, request.plan);
    if (!confirm(plan)) return plan;

    std::string txid = fmt::format("{}-{}", std::time(nullptr), ::getpid());
    db::Journal journal = journal_of(door, plan, request, txid);
    check_space(door, journal, plan);
    {
        db::Database::Change change(database);
        change.write_journal(journal);
        change.commit();
    }
    Filesystems filesystems(door, journal, request.sync);
    std::vector<std::string> not_ours;  // final names found taken while staging
    try {
        std::map<std::string, const db::JournalEntry*> by_path;
        for (const auto& e : journal.entries) by_path[e.path] = &e;
        // Stage, with each old version kept aside.
        for (const auto& e : journal.entries) {
            if (e.action == "replace" && !is_exchange(e)) door.make_hardlink(e.path, e.aside);
        }
        // The new state goes into the database while the files are made:
        // one write transaction, committed only after they are in place and
        // synced (the commit below); a failure rolls it back before recovery.
        db::Database::Change change(database);
        bool caller_owns = ::geteuid() != 0;
        if (!plan.target.empty() && installed.target != plan.target) change.set_target(plan.target);
        for (const auto& c : plan.changes) {
            if (c.kind == ChangeKind::remove) change.remove_package(c.name);
        }
        // The files are made on a thread of their own while this one
        // decompresses and verifies each package, then writes its rows.
        std::unique_ptr<PackageVisitor> stager = make_stager(door, by_path, not_ours);
        PipelinedVisitor pipelined(*stager);
        for (std::size_t i = 0; i < request.plan.install.size(); ++i) {
            const PackageManifest& planned = request.plan.install[i];
            PackageManifest staged = read_package(request.files[i], pipelined, {}, &planned);
            if (!planned.manifest_sha256.empty() && staged.manifest_sha256 != planned.manifest_sha256) {
                throw Error("{}: the package changed since it was planned", request.files[i].string());
            }
            change.put_package(installed_package(planned, installed, request, journal.started_at),
                               files_of(planned, caller_owns));
        }
        pipelined.wait();
        for (const PathStep& step : plan.paths) {
            if (!step.taken_from.empty()) change.drop_file(step.taken_from, step.path);
        }
        // A removal changes nothing before its commit (its files go after
        // it): no sync point before the commit has anything to make durable.
        bool changes_before_commit = std::any_of(journal.entries.begin(), journal.entries.end(), [](const auto& e) {
            return e.action != "remove" && e.action != "rmdir";
        });
        if (changes_before_commit) filesystems.sync(SyncPoint::staged);
        // Commit: into place, directory modes deepest first, sync, database.
        // A create never replaces what may have appeared meanwhile (a
        // .pkgnew of an earlier upgrade aside, which is pkg's own).
        for (const auto& e : journal.entries) {
            if (is_exchange(e)) {
                door.rename(e.temporary, e.path, RenameMode::exchange);
            } else if (inside_exchanged_tree(e)) {
                continue;  // in place with its tree
            } else if (e.action == "replace" || (e.action == "create" && e.path.ends_with(".pkgnew"))) {
                door.rename(e.temporary, e.path, RenameMode::replace);
            } else if (e.action == "create" && !e.temporary.empty()) {
                door.rename(e.temporary, e.path, RenameMode::noreplace);
            }
        }
        std::map<std::string, unsigned> modes;
        for (const PathStep& step : plan.paths) {
            if (step.entry && step.entry->type == EntryType::dir &&
                (step.action == PathAction::create || step.action == PathAction::keep ||
                 step.action == PathAction::replace)) {
                modes[step.path] = step.entry->mode;
            }
        }
        for (auto it = journal.entries.rbegin(); it != journal.entries.rend(); ++it) {
            if (it->action == "mkdir" || it->action == "chmod" || (is_exchange(*it) && it->type == "dir")) {
                door.set_mode(it->path, modes.at(it->path));
            }
        }
        if (changes_before_commit) filesystems.sync(SyncPoint::placed);
        change.set_journal_state(db::JournalState::committed);
        change.add_history(journal.started_at, request.user, request.command, history_of(plan));
        change.commit();
        if (caller_owns && !request.plan.install.empty()) {
            events.change({Change::Kind::ownership_skipped, "", "", "", "",
                           "not running as root: the files are yours, ownership was not applied"});
        }
    } catch (...) {
        // Failure is recovery: the root and the database go back to where they were.
        try {
            // From a fresh connection: a commit whose sync failed may be on
            // disk, and then recovery rolls forward instead.
            db::Database fresh = db::Database::open_for_write(door);
            if (!not_ours.empty()) {
                db::Database::Change change(fresh);
                for (const auto& path : not_ours) change.drop_journal_entry(path);
                change.commit();
            }
            recover(door, fresh, events);
        } catch (const std::exception& e) {
            events.message({Level::error, fmt::format("rolling back failed too: {} (the next pkg, or pkg recover, "
                                                      "finishes it)",
                                                      e.what())});
        }
        throw;
    }
    finish(door, database, journal, filesystems);
    for (const auto& c : plan.changes) {
        Change::Kind kind = c.kind == ChangeKind::install     ? Change::Kind::installed
                            : c.kind == ChangeKind::upgrade   ? Change::Kind::upgraded
                            : c.kind == ChangeKind::downgrade ? Change::Kind::downgraded
                            : c.kind == ChangeKind::reinstall ? Change::Kind::reinstalled
                                                              : Change::Kind::removed;
        events.change({kind, c.name, c.from, c.to, "", ""});
    }
    for (const PathStep& step : plan.paths) {
        if (step.action == PathAction::write_new) {
            events.change({Change::Kind::config_new, step.package, "", "", step.path, ""});
        }
    }
    std::map<std::string, std::string> saved_as;
    for (const auto& e : journal.entries) {
        if (e.action == "remove" && !e.aside.empty()) saved_as[e.path] = e.aside;
    }
    for (const PathStep& step : plan.paths) {
        if (step.action == PathAction::save) {
            events.change({Change::Kind::config_saved, step.package, "", "", saved_as[step.path], ""});
        }
    }
    return plan;
}

}  // namespace pkg
