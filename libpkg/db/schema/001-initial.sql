-- Schema 1: what is installed in a root. Each migration is applied in one
-- transaction and sets PRAGMA user_version to its number; a migration is
-- never edited once released: a change is a new file.

-- Facts about the root: 'target' (the architecture of its packages,
-- recorded at the first install; the full triplet joins it later).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE packages (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    version      TEXT NOT NULL,  -- [epoch:]version
    release      TEXT NOT NULL,
    arch         TEXT NOT NULL,
    port_hash    TEXT NOT NULL,  -- '' when not built from a port
    size         INTEGER NOT NULL CHECK (size >= 0),
    reason       TEXT NOT NULL CHECK (reason IN ('explicit', 'automatic')),
    held         INTEGER NOT NULL DEFAULT 0 CHECK (held IN (0, 1)),
    installed_at INTEGER NOT NULL  -- seconds since 1970
) STRICT;

-- One row per path a package owns; a directory may have several owners.
CREATE TABLE files (
    path    TEXT NOT NULL,  -- relative to the root, as in the package
    package INTEGER NOT NULL REFERENCES packages (id) ON DELETE CASCADE,
    type    TEXT NOT NULL CHECK (type IN ('file', 'dir', 'symlink', 'hardlink')),
    mode    INTEGER NOT NULL,
    uid     INTEGER NOT NULL,
    gid     INTEGER NOT NULL,
    size    INTEGER NOT NULL,
    sha256  TEXT NOT NULL,  -- files only, else ''
    target  TEXT NOT NULL,  -- a link's target, else ''
    config  INTEGER NOT NULL CHECK (config IN (0, 1)),
    PRIMARY KEY (path, package)
) STRICT, WITHOUT ROWID;
-- The primary key answers owner-of-path; this, files-of-package.
CREATE INDEX files_of_package ON files (package, path);

-- depends, provides and conflicts, as the manifest states them.
CREATE TABLE relations (
    package    INTEGER NOT NULL REFERENCES packages (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('depends', 'provides', 'conflicts')),
    name       TEXT NOT NULL,
    constraint_text TEXT NOT NULL,  -- '>=1.2', '=1.0', or ''
    position   INTEGER NOT NULL,
    PRIMARY KEY (package, kind, position)
) STRICT, WITHOUT ROWID;
CREATE INDEX relations_by_name ON relations (kind, name);

-- Each finished transaction: when, who, the command, and what it changed
-- (a JSON array of {"action", "name", "from", "to"}).
CREATE TABLE history (
    id      INTEGER PRIMARY KEY,
    at      INTEGER NOT NULL,
    user    TEXT NOT NULL,
    command TEXT NOT NULL,
    changes TEXT NOT NULL
) STRICT;
