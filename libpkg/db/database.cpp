// The installed database: opening it through the door, migrations, and the
// queries and changes the transactions and the query commands use.

#include "pkg/db/database.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <optional>

#include "pkg/dependency.hpp"
#include "pkg/error.hpp"
#include "pkg/root/door.hpp"
#include "schema.hpp"
#include "sqlite.hpp"

namespace pkg::db {

struct Database::Impl {
    int dir_fd = -1;  ///< O_PATH of var/lib/pkg, held while the connection lives
    std::string name;  ///< ROOT/var/lib/pkg/pkg.db, for messages
    std::optional<Connection> connection;
    bool read_only = false;
    Door* door = nullptr;  ///< a writer's, told of each commit (it outlives the database)

    ~Impl() {
        connection.reset();
        if (dir_fd >= 0) ::close(dir_fd);
    }
    // SQLite reaches the database by the descriptor, never by a name a
    // symlink planted later could redirect.
    std::string path() const { return "/proc/self/fd/" + std::to_string(dir_fd) + "/" + kDatabaseName; }
    Connection& db() { return *connection; }
};

namespace {

int user_version(Connection& c) {
    Statement s(c, "PRAGMA user_version");
    std::int64_t v = s.step() ? s.integer(0) : 0;
    while (s.step()) {
    }
    return static_cast<int>(v);
}

void refuse_newer(int version, const std::string& name) {
    int current = Database::current_schema();
    if (version > current) {
        Error e("the database {} has schema {}, made by a newer pkg (this one knows up to {}); it is left untouched",
                name, version, current);
        e.set_path(name);
        throw with_hint(std::move(e), "use the pkg that wrote it, or a newer one");
    }
}

bool has_journal(Connection& c, int version) {
    if (version < 2) return false;  // schema 2 brought the journal
    Statement s(c, "SELECT count(*) FROM journal");
    bool any = s.step() && s.integer(0) > 0;
    s.run();
    return any;
}

void migrate(Connection& c) {
    int version = user_version(c);
    refuse_newer(version, c.name());
    if (version < Database::current_schema() && has_journal(c, version)) {
        Error e("the database {} holds an interrupted transaction; it is recovered before its schema is upgraded",
                c.name());
        e.set_path(c.name());
        throw with_hint(std::move(e), "run 'pkg recover' with the pkg that started it");
    }
    if (version >= Database::current_schema()) return;
    // Every migration due, in one transaction: a new database is made with
    // one commit (one sync), and an upgrade is all or nothing.
    Transaction t(c);
    for (const Migration& m : migrations()) {
        if (m.version <= version) continue;
        c.exec(m.sql);
        c.exec(("PRAGMA user_version = " + std::to_string(m.version)).c_str());
    }
    t.commit();
}

const char* reason_text(Reason r) { return r == Reason::automatic ? "automatic" : "explicit"; }

void relations(Connection& c, std::int64_t id, const char* kind, const std::vector<std::string>& list) {
    Statement insert(c, "INSERT INTO relations (package, kind, name, constraint_text, position) VALUES (?, ?, ?, ?, ?)");
    std::int64_t position = 0;
    for (const auto& text : list) {
        std::string why;
        auto d = Dependency::parse(text, &why);
        if (!d) throw Error("cannot record '{}' of a package: {}", text, why);
        insert.bind(1, id).bind(2, std::string_view(kind)).bind(3, d->name).bind(4, d->constraint.str()).bind(5, position++);
        insert.run();
    }
}

InstalledPackage read_package(Connection& c, Statement& s) {
    InstalledPackage p;
    std::int64_t id = s.integer(0);
    p.name = s.text(1);
    p.version = s.text(2);
    p.release = s.text(3);
    p.arch = s.text(4);
    p.port_hash = s.text(5);
    p.size = static_cast<std::uint64_t>(s.integer(6));
    p.reason = s.text(7) == "automatic" ? Reason::automatic : Reason::explicit_;
    p.held = s.integer(8) != 0;
    p.installed_at = s.integer(9);
    Statement r(c, "SELECT kind, name, constraint_text FROM relations WHERE package = ? ORDER BY kind, position");
    r.bind(1, id);
    while (r.step()) {
        std::string kind = r.text(0);
        std::string text = r.text(1) + r.text(2);
        (kind == "depends" ? p.depends : kind == "provides" ? p.provides : p.conflicts).push_back(text);
    }
    return p;
}

constexpr const char* kPackageColumns =
    "SELECT id, name, version, release, arch, port_hash, size, reason, held, installed_at FROM packages";

}  // namespace

Database::Database(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Database::Database(Database&&) noexcept = default;
Database& Database::operator=(Database&&) noexcept = default;
Database::~Database() = default;

int Database::current_schema() { return migrations().empty() ? 0 : migrations().back().version; }

Database Database::open_for_write(Door& root) {
    auto impl = std::make_unique<Impl>();
    impl->dir_fd = root.open_directory(kStateDir, true, 0755);
    impl->name = (root.root() / kStateDir / kDatabaseName).string();
    impl->door = &root;
    // Created through the door, 0644 whatever the umask: SQLite gives -wal
    // and -shm the database's mode, and queries by other users read them.
    struct stat st {};
    if (::fstatat(impl->dir_fd, kDatabaseName, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno != ENOENT) throw SystemError{errno, std::filesystem::path(impl->name), "cannot stat {}", impl->name};
        ::close(root.create_file(std::string(kStateDir) + "/" + kDatabaseName, 0644));
    } else if (!S_ISREG(st.st_mode)) {
        Error e("refusing the database {}: it is not a regular file", impl->name);
        e.set_path(impl->name);
        throw e;
    }
    // SQLite would fall back to reading a file it may not write; a writer
    // that may not write is refused here, with the system's reason.
    int probe = ::openat(impl->dir_fd, kDatabaseName, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (probe < 0) throw SystemError{errno, std::filesystem::path(impl->name), "cannot write the database {}", impl->name};
    ::close(probe);
    impl->connection.emplace(impl->path(), impl->name, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW);
    Connection& c = impl->db();
    if (sqlite3_db_readonly(c.get(), "main") != 0) {
        Error e("cannot write the database {}: SQLite opened it read-only", impl->name);
        e.set_path(impl->name);
        throw e;
    }
    // Refuse a newer schema before anything writes to the file.
    refuse_newer(user_version(c), impl->name);
    c.exec("PRAGMA journal_mode = WAL");
    c.exec("PRAGMA synchronous = FULL");
    c.exec("PRAGMA foreign_keys = ON");
    // Debian builds SQLite with secure_delete on: every page a removal frees
    // would be written again as zeros, into the WAL and then the database
    // (a remove of 5,000 files wrote some 400 such pages). Nothing here is
    // secret; the pages are simply freed.
    c.exec("PRAGMA secure_delete = OFF");
    int persist = 1;  // -wal and -shm stay, so that read-only queries can open the database
    sqlite3_file_control(c.get(), "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
    // ... but empty once the writer is done (its close checkpoints, then
    // truncates): a WAL left holding a large transaction's frames is read
    // whole by every later connection that rebuilds the WAL index
    // (measured: 2,000 reads, 15 MB, for an owner query after 100,000 files).
    c.exec("PRAGMA journal_size_limit = 0");
    migrate(c);
    return Database(std::move(impl));
}

std::optional<Database> Database::open_for_read(Door& root) {
    auto impl = std::make_unique<Impl>();
    impl->name = (root.root() / kStateDir / kDatabaseName).string();
    try {
        impl->dir_fd = root.open_directory(kStateDir);
    } catch (const SystemError& e) {
        if (e.error_number() == ENOENT) return std::nullopt;  // nothing was ever installed
        throw;
    }
    struct stat st {};
    if (::fstatat(impl->dir_fd, kDatabaseName, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) return std::nullopt;
        throw SystemError{errno, std::filesystem::path(impl->name), "cannot stat {}", impl->name};
    }
    if (!S_ISREG(st.st_mode)) {
        Error e("refusing the database {}: it is not a regular file", impl->name);
        e.set_path(impl->name);
        throw e;
    }
    impl->read_only = true;
    impl->connection.emplace(impl->path(), impl->name, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW);
    Connection& c = impl->db();
    refuse_newer(user_version(c), impl->name);
    // One read transaction for the connection's life: every query sees the
    // same committed state, whatever a writer does meanwhile.
    c.exec("BEGIN");
    Statement snapshot(c, "SELECT count(*) FROM sqlite_master");
    snapshot.run();
    return Database(std::move(impl));
}

int Database::schema() const { return user_version(impl_->db()); }

std::optional<std::string> Database::target() const {
    Statement s(impl_->db(), "SELECT value FROM meta WHERE key = 'target'");
    if (!s.step()) return std::nullopt;
    std::string value = s.text(0);
    s.run();
    return value;
}

std::vector<InstalledPackage> Database::packages() const {
    Statement s(impl_->db(), (std::string(kPackageColumns) + " ORDER BY name").c_str());
    std::vector<InstalledPackage> out;
    while (s.step()) out.push_back(read_package(impl_->db(), s));
    return out;
}

std::optional<InstalledPackage> Database::package(const std::string& name) const {
    Statement s(impl_->db(), (std::string(kPackageColumns) + " WHERE name = ?").c_str());
    s.bind(1, name);
    if (!s.step()) return std::nullopt;
    InstalledPackage p = read_package(impl_->db(), s);
    s.run();
    return p;
}

std::vector<InstalledFile> Database::files_of(const std::string& name) const {
    Statement s(impl_->db(),
                "SELECT f.path, f.type, f.mode, f.uid, f.gid, f.size, f.sha256, f.target, f.config "
                "FROM files f JOIN packages p ON f.package = p.id WHERE p.name = ? ORDER BY f.path");
    s.bind(1, name);
    std::vector<InstalledFile> out;
    while (s.step()) {
        InstalledFile f;
        f.path = s.text(0);
        f.type = s.text(1);
        f.mode = static_cast<unsigned>(s.integer(2));
        f.uid = s.integer(3);
        f.gid = s.integer(4);
        f.size = static_cast<std::uint64_t>(s.integer(5));
        f.sha256 = s.text(6);
        f.target = s.text(7);
        f.config = s.integer(8) != 0;
        out.push_back(std::move(f));
    }
    return out;
}

namespace {

constexpr const char* kFileColumns =
    "p.name, f.path, f.type, f.mode, f.uid, f.gid, f.size, f.sha256, f.target, f.config "
    "FROM files f JOIN packages p ON f.package = p.id ";

std::pair<std::string, InstalledFile> owned_file(const Statement& s) {
    InstalledFile f;
    f.path = s.text(1);
    f.type = s.text(2);
    f.mode = static_cast<unsigned>(s.integer(3));
    f.uid = s.integer(4);
    f.gid = s.integer(5);
    f.size = static_cast<std::uint64_t>(s.integer(6));
    f.sha256 = s.text(7);
    f.target = s.text(8);
    f.config = s.integer(9) != 0;
    return {s.text(0), std::move(f)};
}

}  // namespace

std::vector<std::pair<std::string, InstalledFile>> Database::files_at(const std::vector<std::string>& paths) const {
    std::string sql = std::string("SELECT ") + kFileColumns + "WHERE f.path = ?";
    ReadScope scope(impl_->db());
    Statement s(impl_->db(), sql.c_str());
    std::vector<std::pair<std::string, InstalledFile>> out;
    for (const auto& path : paths) {
        s.bind(1, path);
        while (s.step()) out.push_back(owned_file(s));
    }
    return out;
}

std::vector<std::pair<std::string, InstalledFile>> Database::files_sharing_paths_with(
    const std::vector<std::string>& names) const {
    constexpr std::size_t kNamesPerStatement = 500;  // well below SQLite's limit on parameters
    std::vector<std::pair<std::string, InstalledFile>> out;
    ReadScope scope(impl_->db());
    for (std::size_t first = 0; first < names.size(); first += kNamesPerStatement) {
        std::size_t count = std::min(kNamesPerStatement, names.size() - first);
        std::string marks;
        for (std::size_t i = 0; i < count; ++i) marks += i ? ", ?" : "?";
        // Each path once (a shared directory is had by many), then its owners.
        std::string sql = std::string("SELECT ") + kFileColumns +
                          "WHERE f.path IN (SELECT own.path FROM files own WHERE own.package IN "
                          "(SELECT id FROM packages WHERE name IN (" + marks + "))) ORDER BY f.path";
        Statement s(impl_->db(), sql.c_str());
        for (std::size_t i = 0; i < count; ++i) s.bind(static_cast<int>(i + 1), names[first + i]);
        while (s.step()) out.push_back(owned_file(s));
    }
    return out;
}

std::vector<std::pair<std::string, InstalledFile>> Database::files_under(const std::string& dir) const {
    // The range [dir/, dir0): '0' follows '/'.
    std::string sql = std::string("SELECT ") + kFileColumns + "WHERE f.path > ? AND f.path < ?";
    Statement s(impl_->db(), sql.c_str());
    s.bind(1, dir + "/").bind(2, dir + "0");
    std::vector<std::pair<std::string, InstalledFile>> out;
    while (s.step()) out.push_back(owned_file(s));
    return out;
}

std::vector<std::string> Database::owners_of(const std::string& path) const {
    Statement s(impl_->db(),
                "SELECT p.name FROM files f JOIN packages p ON f.package = p.id WHERE f.path = ? ORDER BY p.name");
    s.bind(1, path);
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.text(0));
    return out;
}

const char* journal_state_name(JournalState state) {
    switch (state) {
        case JournalState::planned: return "planned";
        case JournalState::committed: return "committed";
        case JournalState::rolling_back: return "rolling back";
    }
    return "planned";
}

std::string current_boot_id() {
    std::ifstream in("/proc/sys/kernel/random/boot_id");
    std::string id;
    std::getline(in, id);
    return id;
}

bool journal_is_live(const Journal& journal) {
    if (journal.boot_id != current_boot_id() || journal.pid <= 0) return false;
    return ::kill(static_cast<pid_t>(journal.pid), 0) == 0 || errno == EPERM;
}

std::optional<Journal> Database::journal() const {
    Connection& c = impl_->db();
    if (user_version(c) < 2) return std::nullopt;
    Statement s(c, "SELECT txid, state, pid, boot_id, started_at, user, command FROM journal WHERE id = 1");
    if (!s.step()) return std::nullopt;
    Journal j;
    j.txid = s.text(0);
    std::string state = s.text(1);
    j.state = state == "committed" ? JournalState::committed
              : state == "rolling back" ? JournalState::rolling_back
                                        : JournalState::planned;
    j.pid = s.integer(2);
    j.boot_id = s.text(3);
    j.started_at = s.integer(4);
    j.user = s.text(5);
    j.command = s.text(6);
    s.run();
    Statement fs(c, "SELECT dev, path FROM journal_filesystems ORDER BY seq");
    while (fs.step()) j.filesystems.push_back({static_cast<std::uint64_t>(fs.integer(0)), fs.text(1)});
    Statement paths(c, "SELECT path, action, type, temporary, aside, old_mode, filesystem FROM journal_paths ORDER BY seq");
    while (paths.step()) {
        JournalEntry e;
        e.path = paths.text(0);
        e.action = paths.text(1);
        e.type = paths.text(2);
        e.temporary = paths.text(3);
        e.aside = paths.text(4);
        if (sqlite3_column_type(paths.raw(), 5) != SQLITE_NULL) e.old_mode = static_cast<unsigned>(paths.integer(5));
        e.filesystem = static_cast<int>(paths.integer(6));
        j.entries.push_back(std::move(e));
    }
    return j;
}

void Database::Change::write_journal(const Journal& j) {
    Connection& c = db_.impl_->db();
    clear_journal();
    Statement head(c, "INSERT INTO journal (id, txid, state, pid, boot_id, started_at, user, command) "
                      "VALUES (1, ?, ?, ?, ?, ?, ?, ?)");
    head.bind(1, j.txid).bind(2, std::string_view(journal_state_name(j.state))).bind(3, j.pid).bind(4, j.boot_id);
    head.bind(5, j.started_at).bind(6, j.user).bind(7, j.command);
    head.run();
    Statement fs(c, "INSERT INTO journal_filesystems (seq, dev, path) VALUES (?, ?, ?)");
    for (std::size_t i = 0; i < j.filesystems.size(); ++i) {
        fs.bind(1, static_cast<std::int64_t>(i)).bind(2, static_cast<std::int64_t>(j.filesystems[i].dev));
        fs.bind(3, j.filesystems[i].path).run();
    }
    Statement paths(c, "INSERT INTO journal_paths (seq, path, action, type, temporary, aside, old_mode, filesystem) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    for (std::size_t i = 0; i < j.entries.size(); ++i) {
        const JournalEntry& e = j.entries[i];
        paths.bind(1, static_cast<std::int64_t>(i)).bind_uncopied(2, e.path).bind_uncopied(3, e.action);
        paths.bind_uncopied(4, e.type).bind_uncopied(5, e.temporary).bind_uncopied(6, e.aside);
        if (e.old_mode) paths.bind(7, static_cast<std::int64_t>(*e.old_mode));
        else paths.bind_null(7);
        paths.bind(8, static_cast<std::int64_t>(e.filesystem));
        paths.run();
    }
}

void Database::Change::set_journal_state(JournalState state) {
    Statement s(db_.impl_->db(), "UPDATE journal SET state = ? WHERE id = 1");
    s.bind(1, std::string_view(journal_state_name(state))).run();
    if (sqlite3_changes(db_.impl_->db().get()) != 1) throw Error("database {}: no journal to update", db_.impl_->name);
}

void Database::Change::drop_journal_entry(const std::string& path) {
    Statement s(db_.impl_->db(), "DELETE FROM journal_paths WHERE path = ?");
    s.bind(1, path).run();
}

void Database::Change::clear_journal() {
    Connection& c = db_.impl_->db();
    c.exec("DELETE FROM journal_paths; DELETE FROM journal_filesystems; DELETE FROM journal");
}

std::vector<std::string> Database::dependents_of(const std::string& name) const {
    Statement s(impl_->db(),
                "SELECT DISTINCT p.name FROM relations r JOIN packages p ON r.package = p.id "
                "WHERE r.kind = 'depends' AND p.name != ?1 AND (r.name = ?1 OR r.name IN ("
                "  SELECT v.name FROM relations v JOIN packages q ON v.package = q.id"
                "  WHERE q.name = ?1 AND v.kind = 'provides')) ORDER BY p.name");
    s.bind(1, name);
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.text(0));
    return out;
}

Database::Change::Change(Database& db) : db_(db) {
    if (db.impl_->read_only) throw Error("the database {} was opened for reading", db.impl_->name);
    db.impl_->db().exec("BEGIN IMMEDIATE");
}

Database::Change::~Change() {
    if (!done_) sqlite3_exec(db_.impl_->db().get(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Database::Change::set_target(const std::string& arch) {
    Statement s(db_.impl_->db(), "INSERT INTO meta (key, value) VALUES ('target', ?) "
                                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    s.bind(1, arch).run();
}

void Database::Change::remove_package(const std::string& name) {
    Statement s(db_.impl_->db(), "DELETE FROM packages WHERE name = ?");
    s.bind(1, name).run();
}

bool Database::Change::set_held(const std::string& name, bool held) {
    Statement s(db_.impl_->db(), "UPDATE packages SET held = ? WHERE name = ?");
    s.bind(1, std::int64_t{held ? 1 : 0}).bind(2, name).run();
    return sqlite3_changes(db_.impl_->db().get()) == 1;
}

bool Database::Change::set_reason(const std::string& name, Reason reason) {
    Statement s(db_.impl_->db(), "UPDATE packages SET reason = ? WHERE name = ?");
    s.bind(1, std::string_view(reason_text(reason))).bind(2, name).run();
    return sqlite3_changes(db_.impl_->db().get()) == 1;
}

std::vector<Database::HistoryEntry> Database::history() const {
    Statement s(impl_->db(), "SELECT at, user, command, changes FROM history ORDER BY id");
    std::vector<HistoryEntry> out;
    while (s.step()) out.push_back({s.integer(0), s.text(1), s.text(2), s.text(3)});
    return out;
}

void Database::Change::drop_file(const std::string& package, const std::string& path) {
    Statement s(db_.impl_->db(),
                "DELETE FROM files WHERE path = ? AND package = (SELECT id FROM packages WHERE name = ?)");
    s.bind(1, path).bind(2, package).run();
}

void Database::Change::add_history(std::int64_t at, const std::string& user, const std::string& command,
                                   const std::string& changes) {
    Statement s(db_.impl_->db(), "INSERT INTO history (at, user, command, changes) VALUES (?, ?, ?, ?)");
    s.bind(1, at).bind(2, user).bind(3, command).bind(4, changes).run();
}

void Database::Change::put_package(const InstalledPackage& p, const std::vector<InstalledFile>& files) {
    Connection& c = db_.impl_->db();
    remove_package(p.name);
    Statement insert(c, "INSERT INTO packages (name, version, release, arch, port_hash, size, reason, held, "
                        "installed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, p.name).bind(2, p.version).bind(3, p.release).bind(4, p.arch).bind(5, p.port_hash);
    insert.bind(6, static_cast<std::int64_t>(p.size)).bind(7, std::string_view(reason_text(p.reason)));
    insert.bind(8, std::int64_t{p.held ? 1 : 0}).bind(9, p.installed_at);
    insert.run();
    std::int64_t id = sqlite3_last_insert_rowid(c.get());
    Statement file(c, "INSERT INTO files (path, package, type, mode, uid, gid, size, sha256, target, config) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const auto& f : files) {
        file.bind_uncopied(1, f.path).bind(2, id).bind_uncopied(3, f.type).bind(4, std::int64_t{f.mode});
        file.bind(5, f.uid).bind(6, f.gid).bind(7, static_cast<std::int64_t>(f.size)).bind_uncopied(8, f.sha256);
        file.bind_uncopied(9, f.target);
        file.bind(10, std::int64_t{f.config ? 1 : 0});
        file.run();
    }
    relations(c, id, "depends", p.depends);
    relations(c, id, "provides", p.provides);
    relations(c, id, "conflicts", p.conflicts);
}

void Database::Change::commit() {
    if (db_.impl_->door) db_.impl_->door->database_commit(std::string(kStateDir) + "/" + kDatabaseName);
    db_.impl_->db().exec("COMMIT");
    done_ = true;
}

}  // namespace pkg::db
