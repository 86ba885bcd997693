-- Schema 2: the transaction journal (DESIGN.md, "A transaction"). Its
-- layout never changes once released: recovery runs before any migration,
-- so a pkg of any version must read the journal another left.

-- At most one transaction at a time: the row exists from step 3 (planned)
-- until the end of step 6; recovery reads it.
CREATE TABLE journal (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    txid       TEXT NOT NULL,  -- the names pkg makes carry it
    state      TEXT NOT NULL CHECK (state IN ('planned', 'committed', 'rolling back')),
    pid        INTEGER NOT NULL,
    boot_id    TEXT NOT NULL,  -- /proc/sys/kernel/random/boot_id of the writer
    started_at INTEGER NOT NULL,
    user       TEXT NOT NULL,
    command    TEXT NOT NULL
) STRICT;

-- Each filesystem the transaction touches: its device and a directory on
-- it (relative to the root), so recovery can refuse while one is missing.
CREATE TABLE journal_filesystems (
    seq  INTEGER PRIMARY KEY,
    dev  INTEGER NOT NULL,
    path TEXT NOT NULL
) STRICT;

-- One entry per path: what happens to it, where its new version is staged
-- and where its old one is kept aside.
CREATE TABLE journal_paths (
    seq        INTEGER PRIMARY KEY,
    path       TEXT NOT NULL UNIQUE,
    action     TEXT NOT NULL CHECK (action IN ('create', 'replace', 'remove', 'mkdir', 'rmdir', 'chmod')),
    type       TEXT NOT NULL,  -- the new entry's type: file, dir, symlink, hardlink; '' when removed
    temporary  TEXT NOT NULL,  -- the staged name; '' when written under its final name
    aside      TEXT NOT NULL,  -- where the old version is kept; '' when there is none
    old_mode   INTEGER,        -- a directory's mode before, restored on rollback
    filesystem INTEGER NOT NULL REFERENCES journal_filesystems (seq)
) STRICT;
