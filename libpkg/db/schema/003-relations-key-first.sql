-- Schema 3: relations with its key columns first. SQLite 3.40's
-- PRAGMA integrity_check misreads a WITHOUT ROWID table whose primary key
-- columns are not its leading ones and reports "NULL value in
-- relations.name" for every row (measured with Debian 12's 3.40.1); the
-- data was always right. Same rows, same meaning, columns reordered.

CREATE TABLE relations_new (
    package    INTEGER NOT NULL REFERENCES packages (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('depends', 'provides', 'conflicts')),
    position   INTEGER NOT NULL,
    name       TEXT NOT NULL,
    constraint_text TEXT NOT NULL,  -- '>=1.2', '=1.0', or ''
    PRIMARY KEY (package, kind, position)
) STRICT, WITHOUT ROWID;
INSERT INTO relations_new (package, kind, position, name, constraint_text)
    SELECT package, kind, position, name, constraint_text FROM relations;
DROP TABLE relations;
ALTER TABLE relations_new RENAME TO relations;
CREATE INDEX relations_by_name ON relations (kind, name);
