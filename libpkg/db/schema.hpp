#pragma once

// The schema's migrations, from libpkg/db/schema/NNN-*.sql, built in.

#include <span>

namespace pkg::db {

struct Migration {
    int version;
    const char* sql;
};

/// In order; migration N takes the database from version N-1 to N.
std::span<const Migration> migrations();

}  // namespace pkg::db
