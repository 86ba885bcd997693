#pragma once

// Small RAII wrappers over SQLite, private to the db part: a connection, a
// statement that resets itself, a transaction that rolls back unless
// committed. Errors throw pkg::Error naming the database and SQLite's reason.

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace pkg::db {

/// The VFS that opens files by /proc/self/fd/N/NAME paths and keeps them as
/// they are (sqlite's unix VFS would resolve such a path to the directory's
/// real name and reopen the database, -wal and -shm by it).
sqlite3_vfs* fd_vfs();

class Connection {
public:
    /// `name` names the database in errors; `path` is what SQLite opens.
    Connection(const std::string& path, const std::string& name, int flags);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    void exec(const char* sql);
    [[noreturn]] void fail(std::string_view what) const;
    sqlite3* get() const { return db_; }
    const std::string& name() const { return name_; }

private:
    sqlite3* db_ = nullptr;
    std::string name_;
};

class Statement {
public:
    Statement(Connection& connection, const char* sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int index, std::string_view text);
    /// Binds text without copying it: the caller keeps it unchanged until
    /// the statement has run (step() returned false, or run() returned),
    /// which unbinds it. For the loops that write thousands of rows.
    Statement& bind_uncopied(int index, std::string_view text);
    Statement& bind(int index, std::int64_t value);
    Statement& bind_null(int index);
    sqlite3_stmt* raw() const { return statement_; }
    /// True while a row is there; after the last, the statement resets itself.
    bool step();
    /// Runs a statement that returns no rows.
    void run();
    std::string text(int column) const;
    std::int64_t integer(int column) const;

private:
    Connection& connection_;
    sqlite3_stmt* statement_ = nullptr;
};

class Transaction {
public:
    /// BEGIN IMMEDIATE: the write lock at once, so a busy database fails here.
    explicit Transaction(Connection& connection);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

private:
    Connection& connection_;
    bool open_ = true;
};

/// One read transaction around many queries when none is open: SQLite
/// otherwise takes and drops its WAL read lock (two fcntl and an fstat) for
/// every statement, which is most of a lookup of 5,000 paths one by one.
class ReadScope {
public:
    explicit ReadScope(Connection& connection);
    ~ReadScope();
    ReadScope(const ReadScope&) = delete;
    ReadScope& operator=(const ReadScope&) = delete;

private:
    Connection& connection_;
    bool began_ = false;
};

}  // namespace pkg::db
