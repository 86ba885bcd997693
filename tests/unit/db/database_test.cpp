// The installed database: made through the door, migrated from every
// earlier schema, a newer one refused untouched, read by other users, one
// snapshot per reader, and never reached through a symlink.

#include "pkg/db/database.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "pkg/error.hpp"
#include "pkg/root/safe_root.hpp"
#include "support/process.hpp"

namespace {
namespace fs = std::filesystem;
using pkg::db::Database;

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

pkg::db::InstalledPackage package(const std::string& name, const std::string& version = "1.0") {
    pkg::db::InstalledPackage p;
    p.name = name;
    p.version = version;
    p.release = "1";
    p.arch = "x86_64";
    p.size = 42;
    p.installed_at = 1700000000;
    return p;
}

pkg::db::InstalledFile file(const std::string& path, const std::string& type = "file") {
    pkg::db::InstalledFile f;
    f.path = path;
    f.type = type;
    f.mode = type == "dir" ? 0755 : 0644;
    if (type == "file") f.sha256 = std::string(64, 'a');
    return f;
}

struct Root {
    pkgtest::ScratchDir dir;
    fs::path path = fs::path(dir.path()) / "root";
    fs::path db = path / "var/lib/pkg/pkg.db";
    Root() { fs::create_directories(path); }
};

TEST(Database, IsMadeThroughTheDoorWithModesOthersCanRead) {
    Root r;
    mode_t old = umask(077);
    {
        pkg::SafeRoot root(r.path);
        Database db = Database::open_for_write(root);
        EXPECT_EQ(db.schema(), Database::current_schema());
        EXPECT_GE(Database::current_schema(), 1);
        pkg::db::Database::Change change(db);
        change.put_package(package("a"), {file("usr"), file("usr/a")});
        change.commit();
    }
    umask(old);
    // WAL's files stay after the writer closes (SQLITE_FCNTL_PERSIST_WAL), readable by all.
    for (const char* suffix : {"", "-wal", "-shm"}) {
        struct stat st {};
        ASSERT_EQ(lstat((r.db.string() + suffix).c_str(), &st), 0) << suffix;
        EXPECT_EQ(st.st_mode & 0777, 0644u) << suffix;
    }
}

TEST(Database, RecordsPackagesAndAnswersOwnerAndFiles) {
    Root r;
    pkg::SafeRoot root(r.path);
    Database db = Database::open_for_write(root);
    EXPECT_EQ(db.target(), std::nullopt);
    {
        Database::Change change(db);
        change.set_target("x86_64");
        auto a = package("a");
        a.depends = {"b>=1.0", "libc"};
        a.provides = {"tool=1.0"};
        a.conflicts = {"old-a"};
        change.put_package(a, {file("usr", "dir"), file("usr/bin", "dir"), file("usr/bin/a"), file("etc/a.conf")});
        auto b = package("b", "2:1.5");
        b.reason = pkg::db::Reason::automatic;
        b.held = true;
        change.put_package(b, {file("usr", "dir"), file("usr/lib/libb.so")});
        change.commit();
    }
    EXPECT_EQ(db.target(), "x86_64");
    auto all = db.packages();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].name, "a");
    EXPECT_EQ(all[0].depends, (std::vector<std::string>{"b>=1.0", "libc"}));
    EXPECT_EQ(all[0].provides, (std::vector<std::string>{"tool=1.0"}));
    EXPECT_EQ(all[0].conflicts, (std::vector<std::string>{"old-a"}));
    EXPECT_EQ(all[1].version, "2:1.5");
    EXPECT_EQ(all[1].reason, pkg::db::Reason::automatic);
    EXPECT_TRUE(all[1].held);
    EXPECT_EQ(db.owners_of("usr"), (std::vector<std::string>{"a", "b"}));  // a shared directory
    EXPECT_EQ(db.owners_of("usr/bin/a"), (std::vector<std::string>{"a"}));
    EXPECT_TRUE(db.owners_of("usr/bin/none").empty());
    auto files = db.files_of("a");
    ASSERT_EQ(files.size(), 4u);
    EXPECT_EQ(files[0].path, "etc/a.conf");
    EXPECT_EQ(files[3].path, "usr/bin/a");
    EXPECT_EQ(files[3].sha256, std::string(64, 'a'));
    // Replacing a package replaces its files and relations.
    {
        Database::Change change(db);
        change.put_package(package("a", "2.0"), {file("usr", "dir"), file("usr/bin/a2")});
        change.commit();
    }
    EXPECT_EQ(db.package("a")->version, "2.0");
    EXPECT_TRUE(db.package("a")->depends.empty());
    EXPECT_TRUE(db.owners_of("usr/bin/a").empty());
    EXPECT_EQ(db.owners_of("usr/bin/a2"), (std::vector<std::string>{"a"}));
    {
        Database::Change change(db);
        change.remove_package("b");
        change.commit();
    }
    EXPECT_EQ(db.owners_of("usr"), (std::vector<std::string>{"a"}));
    EXPECT_EQ(db.package("b"), std::nullopt);
}

TEST(Database, AChangeNotCommittedLeavesNothing) {
    Root r;
    pkg::SafeRoot root(r.path);
    Database db = Database::open_for_write(root);
    {
        Database::Change change(db);
        change.put_package(package("a"), {file("usr/a")});
    }
    EXPECT_TRUE(db.packages().empty());
    EXPECT_TRUE(db.owners_of("usr/a").empty());
}

TEST(Database, AReaderSeesOneCommittedStateForItsWholeLife) {
    Root r;
    pkg::SafeRoot root(r.path);
    EXPECT_EQ(Database::open_for_read(root), std::nullopt);  // nothing installed yet
    Database writer = Database::open_for_write(root);
    EXPECT_EQ(Database::open_for_read(root)->packages().size(), 0u);
    auto reader = Database::open_for_read(root);
    {
        Database::Change change(writer);
        change.put_package(package("a"), {file("usr/a")});
        change.commit();
    }
    EXPECT_TRUE(reader->packages().empty());
    EXPECT_EQ(Database::open_for_read(root)->packages().size(), 1u);
    EXPECT_THROW(Database::Change change(*reader), pkg::Error);
}

TEST(Database, AnotherUserQueriesARootOwnedDatabase) {
    Root r;
    fs::permissions(r.dir.path(), fs::perms(0755));
    {
        pkg::SafeRoot root(r.path);
        Database db = Database::open_for_write(root);
        Database::Change change(db);
        change.put_package(package("a"), {file("usr/a")});
        change.commit();
    }
    std::string before = slurp(r.db);
    int status = pkgtest::in_child_as_nobody([&] {
        pkg::SafeRoot root(r.path);
        auto db = Database::open_for_read(root);
        if (!db) return 2;
        if (db->owners_of("usr/a") != std::vector<std::string>{"a"}) return 3;
        try {
            Database::open_for_write(root);  // may not write: refused, nothing touched
            return 4;
        } catch (const pkg::Error& e) {
            return e.kind() == pkg::ErrorKind::privilege ? 0 : 5;
        }
    });
    EXPECT_EQ(status, 0);
    EXPECT_EQ(slurp(r.db), before);
}

// Applies migrations 1..version from the source tree's .sql files with a
// plain SQLite connection, as an older pkg would have left the database.
void make_at_version(const fs::path& db, int version) {
    fs::create_directories(db.parent_path());
    sqlite3* c = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &c), SQLITE_OK);
    std::vector<fs::path> files;
    for (auto& e : fs::directory_iterator(fs::path(pkgtest::source_dir()) / "libpkg/db/schema")) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (int v = 1; v <= version; ++v) {
        ASSERT_EQ(sqlite3_exec(c, slurp(files[static_cast<std::size_t>(v - 1)]).c_str(), nullptr, nullptr, nullptr),
                  SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(c, ("PRAGMA user_version = " + std::to_string(v)).c_str(), nullptr, nullptr, nullptr),
                  SQLITE_OK);
    }
    sqlite3_close(c);
}

TEST(Database, MigratesFromEveryEarlierSchema) {
    for (int version = 0; version < Database::current_schema(); ++version) {
        Root r;
        make_at_version(r.db, version);
        pkg::SafeRoot root(r.path);
        Database db = Database::open_for_write(root);
        EXPECT_EQ(db.schema(), Database::current_schema()) << "from " << version;
        Database::Change change(db);
        change.put_package(package("a"), {file("usr/a")});
        change.commit();
        EXPECT_EQ(db.owners_of("usr/a"), (std::vector<std::string>{"a"})) << "from " << version;
    }
}

// Migration 3 reorders relations' columns: the rows an older pkg wrote
// keep their meaning, and PRAGMA integrity_check is ok afterwards.
TEST(Database, RelationsSurviveTheirReordering) {
    Root r;
    make_at_version(r.db, 2);
    sqlite3* c = nullptr;
    ASSERT_EQ(sqlite3_open(r.db.c_str(), &c), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(c,
                           "INSERT INTO packages VALUES (1, 'a', '1.0', '1', 'x86_64', '', 0, 'explicit', 0, 0);"
                           "INSERT INTO packages VALUES (2, 'b', '1.0', '1', 'x86_64', '', 0, 'explicit', 0, 0);"
                           "INSERT INTO relations (package, kind, name, constraint_text, position)"
                           "  VALUES (2, 'depends', 'a', '>=1', 0), (1, 'provides', 'sh', '', 0);",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(c);
    {
        pkg::SafeRoot root(r.path);
        Database db = Database::open_for_write(root);
        EXPECT_EQ(db.dependents_of("a"), (std::vector<std::string>{"b"}));
        ASSERT_TRUE(db.package("b"));
        EXPECT_EQ(db.package("b")->depends, (std::vector<std::string>{"a>=1"}));
        EXPECT_EQ(db.package("a")->provides, (std::vector<std::string>{"sh"}));
    }
    ASSERT_EQ(sqlite3_open(r.db.c_str(), &c), SQLITE_OK);
    std::string check;
    sqlite3_exec(
        c, "PRAGMA integrity_check",
        [](void* out, int, char** values, char**) {
            *static_cast<std::string*>(out) += values[0] ? values[0] : "NULL";
            return 0;
        },
        &check, nullptr);
    sqlite3_close(c);
    EXPECT_EQ(check, "ok");
}

TEST(Database, ANewerSchemaIsRefusedAndLeftUntouched) {
    Root r;
    make_at_version(r.db, Database::current_schema());
    sqlite3* c = nullptr;
    ASSERT_EQ(sqlite3_open(r.db.c_str(), &c), SQLITE_OK);
    int newer = Database::current_schema() + 1;
    sqlite3_exec(c, ("PRAGMA user_version = " + std::to_string(newer)).c_str(), nullptr, nullptr, nullptr);
    sqlite3_close(c);
    std::string before = slurp(r.db);
    pkg::SafeRoot root(r.path);
    for (int attempt = 0; attempt < 2; ++attempt) {
        try {
            if (attempt == 0) Database::open_for_write(root);
            else Database::open_for_read(root);
            FAIL() << "a newer schema was accepted";
        } catch (const pkg::Error& e) {
            EXPECT_NE(std::string(e.what()).find("has schema " + std::to_string(newer) + ", made by a newer pkg"),
                      std::string::npos)
                << e.what();
            EXPECT_NE(std::string(e.what()).find("left untouched"), std::string::npos);
        }
    }
    EXPECT_EQ(slurp(r.db), before);
    EXPECT_FALSE(fs::exists(r.db.string() + "-wal"));
}

TEST(Database, NoSymlinkOnTheWayIsFollowedBeforeOrAfterOpening) {
    Root r;
    fs::path outside = fs::path(r.dir.path()) / "outside";
    fs::create_directories(outside / "pkg");
    fs::create_directories(r.path / "var");
    fs::create_symlink(outside, r.path / "var/lib");
    {
        pkg::SafeRoot root(r.path);
        try {
            Database::open_for_write(root);
            FAIL() << "followed var/lib";
        } catch (const pkg::Error& e) {
            EXPECT_NE(std::string(e.what()).find("a symlink stands where a directory is needed"), std::string::npos)
                << e.what();
        }
        EXPECT_THROW(Database::open_for_read(root), pkg::Error);
    }
    EXPECT_TRUE(fs::is_empty(outside / "pkg"));
    // Swapped for a symlink after the door opened it: SQLite keeps using the
    // directory it was given, by descriptor, -wal and -shm included.
    fs::remove(r.path / "var/lib");
    pkg::SafeRoot root(r.path);
    Database db = Database::open_for_write(root);
    fs::rename(r.path / "var/lib", r.path / "var/lib.real");
    fs::create_symlink(outside, r.path / "var/lib");
    {
        Database::Change change(db);
        change.put_package(package("a"), {file("usr/a")});
        change.commit();
    }
    EXPECT_EQ(db.owners_of("usr/a"), (std::vector<std::string>{"a"}));
    EXPECT_TRUE(fs::is_empty(outside / "pkg"));
    fs::remove(r.path / "var/lib");
    fs::rename(r.path / "var/lib.real", r.path / "var/lib");
    EXPECT_EQ(Database::open_for_read(root)->owners_of("usr/a"), (std::vector<std::string>{"a"}));
}

TEST(Database, AFifoOrSymlinkAtTheDatabaseIsRefused) {
    Root r;
    fs::create_directories(r.db.parent_path());
    ASSERT_EQ(mkfifo(r.db.c_str(), 0644), 0);
    pkg::SafeRoot root(r.path);
    EXPECT_THROW(Database::open_for_write(root), pkg::Error);
    EXPECT_THROW(Database::open_for_read(root), pkg::Error);
    fs::remove(r.db);
    fs::create_symlink("/etc/passwd", r.db);
    EXPECT_THROW(Database::open_for_write(root), pkg::Error);
    EXPECT_THROW(Database::open_for_read(root), pkg::Error);
}

}  // namespace

namespace {

pkg::db::Journal sample_journal(std::int64_t pid) {
    pkg::db::Journal j;
    j.txid = "t1700000000-42";
    j.pid = pid;
    j.boot_id = pkg::db::current_boot_id();
    j.started_at = 1700000000;
    j.user = "root";
    j.command = "pkg install a.pkg.tar.zst";
    j.filesystems = {{42, ""}, {43, "usr"}};
    j.entries = {{"usr/bin/a", "replace", "file", "usr/bin/.pkg-t1700000000-42-1", "usr/bin/.pkg-t1700000000-42-1.old",
                  std::nullopt, 1},
                 {"etc", "chmod", "dir", "", "", 0750u, 0}};
    return j;
}

TEST(Journal, IsWrittenReadUpdatedAndCleared) {
    Root r;
    pkg::SafeRoot root(r.path);
    Database db = Database::open_for_write(root);
    EXPECT_EQ(db.journal(), std::nullopt);
    {
        Database::Change change(db);
        change.write_journal(sample_journal(getpid()));
        change.commit();
    }
    auto j = Database::open_for_read(root)->journal();
    ASSERT_TRUE(j);
    EXPECT_EQ(j->txid, "t1700000000-42");
    EXPECT_EQ(j->state, pkg::db::JournalState::planned);
    EXPECT_EQ(j->command, "pkg install a.pkg.tar.zst");
    ASSERT_EQ(j->filesystems.size(), 2u);
    EXPECT_EQ(j->filesystems[1].path, "usr");
    ASSERT_EQ(j->entries.size(), 2u);
    EXPECT_EQ(j->entries[0].aside, "usr/bin/.pkg-t1700000000-42-1.old");
    EXPECT_EQ(j->entries[0].old_mode, std::nullopt);
    EXPECT_EQ(j->entries[1].old_mode, 0750u);
    EXPECT_EQ(j->entries[0].filesystem, 1);
    {
        Database::Change change(db);
        change.set_journal_state(pkg::db::JournalState::committed);
        change.commit();
    }
    EXPECT_EQ(db.journal()->state, pkg::db::JournalState::committed);
    {
        Database::Change change(db);
        change.clear_journal();
        EXPECT_THROW(change.set_journal_state(pkg::db::JournalState::rolling_back), pkg::Error);
        change.commit();
    }
    EXPECT_EQ(db.journal(), std::nullopt);
}

TEST(Journal, IsLiveOnlyWhileItsWriterRunsOnThisBoot) {
    EXPECT_FALSE(pkg::db::current_boot_id().empty());
    EXPECT_TRUE(pkg::db::journal_is_live(sample_journal(getpid())));
    pid_t child = fork();
    if (child == 0) _exit(0);
    waitpid(child, nullptr, 0);  // reaped: no process has this pid now
    EXPECT_FALSE(pkg::db::journal_is_live(sample_journal(child)));
    auto other_boot = sample_journal(getpid());
    other_boot.boot_id = "00000000-0000-0000-0000-000000000000";
    EXPECT_FALSE(pkg::db::journal_is_live(other_boot));
}

}  // namespace
