#include "sqlite.hpp"

#include <cerrno>
#include <cstring>

#include "pkg/error.hpp"

namespace pkg::db {
namespace {

constexpr char kFdPrefix[] = "/proc/self/fd/";

// The unix VFS itself: its methods read their own pAppData, so the copy
// keeps it and the original is remembered here.
sqlite3_vfs* unix_vfs = nullptr;

int full_pathname(sqlite3_vfs*, const char* name, int size, char* out) {
    if (std::strncmp(name, kFdPrefix, sizeof kFdPrefix - 1) == 0) {
        std::size_t length = std::strlen(name);
        if (length + 1 > static_cast<std::size_t>(size)) return SQLITE_CANTOPEN;
        std::memcpy(out, name, length + 1);
        return SQLITE_OK;
    }
    return unix_vfs->xFullPathname(unix_vfs, name, size, out);
}

// A busy database (a checkpoint, another reader's recovery) is retried for
// up to a minute before the error reaches the user.
constexpr int kBusyMilliseconds = 60000;

}  // namespace

sqlite3_vfs* fd_vfs() {
    static sqlite3_vfs* vfs = [] {
        // Before SQLite initialises (finding a VFS does): no allocation
        // statistics, which take a global mutex on every malloc and free.
        // Refused if something in the process initialised SQLite first;
        // that costs only speed.
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        unix_vfs = sqlite3_vfs_find("unix");
        if (!unix_vfs) throw Error("SQLite has no unix VFS");
        auto* made = new sqlite3_vfs(*unix_vfs);  // lives as long as the process
        made->zName = "pkg-fd";
        made->pNext = nullptr;
        made->xFullPathname = full_pathname;
        if (sqlite3_vfs_register(made, 0) != SQLITE_OK) throw Error("cannot register pkg's SQLite VFS");
        return made;
    }();
    return vfs;
}

Connection::Connection(const std::string& path, const std::string& name, int flags) : name_(name) {
    // A connection is used by one thread at a time (as any object of
    // libpkg's): no mutex of its own.
    int rc = sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_EXRESCODE | SQLITE_OPEN_NOMUTEX,
                             fd_vfs()->zName);
    if (rc != SQLITE_OK) {
        std::string why = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        int err = db_ ? sqlite3_system_errno(db_) : 0;
        sqlite3_close(db_);
        db_ = nullptr;
        if (err != 0) throw SystemError{err, std::filesystem::path(name), "cannot open the database {}", name};
        Error e("cannot open the database {}: {}", name, why);
        e.set_path(name);
        throw e;
    }
    sqlite3_busy_timeout(db_, kBusyMilliseconds);
}

Connection::~Connection() { sqlite3_close(db_); }

void Connection::fail(std::string_view what) const {
    int err = sqlite3_system_errno(db_);
    int code = sqlite3_extended_errcode(db_);
    if (err != 0 && (code & 0xff) == SQLITE_IOERR) {
        throw SystemError{err, std::filesystem::path(name_), "database {}: {}", name_, what};
    }
    Error e("database {}: {}: {}", name_, what, sqlite3_errmsg(db_));
    e.set_path(name_);
    throw e;
}

void Connection::exec(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
        std::string text = message ? message : "unknown error";
        sqlite3_free(message);
        fail(text);
    }
}

Statement::Statement(Connection& connection, const char* sql) : connection_(connection) {
    if (sqlite3_prepare_v2(connection.get(), sql, -1, &statement_, nullptr) != SQLITE_OK) {
        connection.fail("cannot prepare a statement");
    }
}

Statement::~Statement() { sqlite3_finalize(statement_); }

Statement& Statement::bind(int index, std::string_view text) {
    if (sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT) !=
        SQLITE_OK) {
        connection_.fail("cannot bind a value");
    }
    return *this;
}

Statement& Statement::bind_uncopied(int index, std::string_view text) {
    if (sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC) != SQLITE_OK) {
        connection_.fail("cannot bind a value");
    }
    return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
    if (sqlite3_bind_int64(statement_, index, value) != SQLITE_OK) connection_.fail("cannot bind a value");
    return *this;
}

Statement& Statement::bind_null(int index) {
    if (sqlite3_bind_null(statement_, index) != SQLITE_OK) connection_.fail("cannot bind a value");
    return *this;
}

bool Statement::step() {
    int rc = sqlite3_step(statement_);
    if (rc == SQLITE_ROW) return true;
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
    if (rc == SQLITE_DONE) return false;
    connection_.fail("a statement failed");
}

void Statement::run() {
    while (step()) {
    }
}

std::string Statement::text(int column) const {
    const auto* p = sqlite3_column_text(statement_, column);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(statement_, column)))
             : std::string();
}

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(statement_, column); }

Transaction::Transaction(Connection& connection) : connection_(connection) { connection.exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
    if (open_) sqlite3_exec(connection_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
    connection_.exec("COMMIT");
    open_ = false;
}

ReadScope::ReadScope(Connection& connection) : connection_(connection) {
    if (sqlite3_get_autocommit(connection.get())) {
        connection.exec("BEGIN");
        began_ = true;
    }
}

ReadScope::~ReadScope() {
    // Nothing was written: ending the read transaction cannot lose anything.
    if (began_) sqlite3_exec(connection_.get(), "COMMIT", nullptr, nullptr, nullptr);
}

}  // namespace pkg::db
