#pragma once

// The installed database of a root: ROOT/var/lib/pkg/pkg.db (DESIGN.md,
// "The installed database"). The only SQL is in libpkg/db/.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pkg/export.hpp"

namespace pkg {
class Door;
}

namespace pkg::db {

/// Where pkg keeps its state in a root, relative to it; nothing else of pkg's lives elsewhere.
inline constexpr const char* kStateDir = "var/lib/pkg";
inline constexpr const char* kDatabaseName = "pkg.db";

enum class Reason { explicit_, automatic };

struct InstalledPackage {
    std::string name;
    std::string version;  ///< [epoch:]version
    std::string release;
    std::string arch;
    std::string port_hash;
    std::uint64_t size = 0;
    Reason reason = Reason::explicit_;
    bool held = false;
    std::int64_t installed_at = 0;
    std::vector<std::string> depends, provides, conflicts;  ///< "name[OP version]"
};

struct InstalledFile {
    std::string path;  ///< relative to the root
    std::string type;  ///< file, dir, symlink, hardlink
    unsigned mode = 0;
    std::int64_t uid = 0;
    std::int64_t gid = 0;
    std::uint64_t size = 0;
    std::string sha256;
    std::string target;
    bool config = false;
};

enum class JournalState { planned, committed, rolling_back };

/// One path of a journaled transaction (DESIGN.md, "A transaction").
struct JournalEntry {
    std::string path;
    std::string action;     ///< create, replace, remove, mkdir, rmdir, chmod
    std::string type;       ///< the new entry's type; "" when removed
    std::string temporary;  ///< the staged name; "" when written in place
    std::string aside;      ///< where the old version is kept; "" when none
    std::optional<unsigned> old_mode;
    int filesystem = 0;     ///< index into Journal::filesystems
};

struct JournalFilesystem {
    std::uint64_t dev = 0;
    std::string path;  ///< a directory on it, relative to the root
};

/// The journal of the one transaction in progress or interrupted.
struct Journal {
    std::string txid;
    JournalState state = JournalState::planned;
    std::int64_t pid = 0;
    std::string boot_id;
    std::int64_t started_at = 0;
    std::string user;
    std::string command;
    std::vector<JournalFilesystem> filesystems;
    std::vector<JournalEntry> entries;
};

PKG_API const char* journal_state_name(JournalState state);
/// This boot's identity (/proc/sys/kernel/random/boot_id).
PKG_API std::string current_boot_id();
/// Whether the writer a journal names still runs: its pid lives, on this
/// boot. A journal that is not live is abandoned: only a lock holder may
/// recover it; queries say so (exit 8).
PKG_API bool journal_is_live(const Journal& journal);

/// An open database. Opened for writing it is migrated to the current
/// schema; opened for reading it is one read transaction for its whole life,
/// so every query sees one committed state.
class PKG_API Database {
public:
    /// Opens (creating var/lib/pkg and the database when missing) through
    /// the door, so that no symlink at var, var/lib or var/lib/pkg is ever
    /// followed, and migrates it. The caller holds the root's lock.
    static Database open_for_write(Door& root);
    /// Opens read-only for queries, without a lock; nullopt when the root
    /// has no database yet (nothing is installed). Works for a user who may
    /// read but not write the database.
    static std::optional<Database> open_for_read(Door& root);

    Database(Database&&) noexcept;
    Database& operator=(Database&&) noexcept;
    ~Database();

    /// The schema this pkg writes, and the one the database has.
    static int current_schema();
    int schema() const;

    /// The root's target architecture, recorded at its first install.
    std::optional<std::string> target() const;

    std::vector<InstalledPackage> packages() const;
    std::optional<InstalledPackage> package(const std::string& name) const;
    std::vector<InstalledFile> files_of(const std::string& name) const;
    struct HistoryEntry {
        std::int64_t at = 0;
        std::string user;
        std::string command;
        std::string changes;  ///< a JSON array of {"action", "name", "from", "to"}
    };
    /// Every finished transaction, oldest first.
    std::vector<HistoryEntry> history() const;

    /// The journal, when a transaction is in progress or was interrupted.
    std::optional<Journal> journal() const;

    /// The packages that own `path` (several for a shared directory).
    std::vector<std::string> owners_of(const std::string& path) const;
    /// What every owner installed at each of `paths` (one prepared lookup
    /// for all): (owner, file) pairs, by path.
    std::vector<std::pair<std::string, InstalledFile>> files_at(const std::vector<std::string>& paths) const;
    /// What every owner installed at each path any of the packages `names`
    /// has (their own files among them), each (owner, file) once, by path:
    /// one statement, however many paths (a statement per 500 names).
    std::vector<std::pair<std::string, InstalledFile>> files_sharing_paths_with(
        const std::vector<std::string>& names) const;
    /// What is installed below the directory `dir` (not `dir` itself), with its owners.
    std::vector<std::pair<std::string, InstalledFile>> files_under(const std::string& dir) const;
    /// The installed packages that depend on `name` or on a name it provides.
    std::vector<std::string> dependents_of(const std::string& name) const;

    /// One write transaction: rolled back unless commit() is called.
    class PKG_API Change {
    public:
        explicit Change(Database& db);
        ~Change();
        Change(const Change&) = delete;
        Change& operator=(const Change&) = delete;
        void set_target(const std::string& arch);
        /// Records a package and its files, replacing a package of that name.
        void put_package(const InstalledPackage& package, const std::vector<InstalledFile>& files);
        void remove_package(const std::string& name);
        /// Holds or releases a package; false when it is not installed.
        bool set_held(const std::string& name, bool held);
        /// Records why a package is installed; false when it is not installed.
        bool set_reason(const std::string& name, Reason reason);
        /// Takes `path` from `package` (another package overwrote it).
        void drop_file(const std::string& package, const std::string& path);
        /// Records a finished transaction; `changes` is a JSON array.
        void add_history(std::int64_t at, const std::string& user, const std::string& command,
                         const std::string& changes);
        /// Writes the journal (state and all), replacing any.
        void write_journal(const Journal& journal);
        void set_journal_state(JournalState state);
        void clear_journal();
        /// Forgets one path of the journal: a name the transaction found
        /// taken (EEXIST) is not its to remove when rolling back.
        void drop_journal_entry(const std::string& path);
        void commit();

    private:
        Database& db_;
        bool done_ = false;
    };

    struct Impl;

private:
    explicit Database(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace pkg::db
