#pragma once

// What a transaction moves a root between (DESIGN.md, "consistent"): the
// file tree and a logical dump of the database, history aside.

#include <filesystem>
#include <string>
#include <vector>

namespace pkgtest {

/// The tree below `root` outside var/lib/pkg (and the var and var/lib
/// directories holding it, which the first writer makes), a sorted line per
/// entry: path, mode in octal, then a file's content or a link's target.
std::string dump_tree(const std::filesystem::path& root);

/// Every non-empty table but history of the database at `file`, each row
/// as text, sorted; no database and an empty one dump alike. PRAGMA
/// integrity_check's complaints, if any, follow "(integrity_check failed)".
/// Without `times`, installed_at and started_at read "T": two runs of one
/// transaction then dump alike.
std::string dump_database(const std::filesystem::path& file, bool times = true);

/// The root's database file.
std::filesystem::path database_file(const std::filesystem::path& root);

/// Names pkg makes (.pkg-*) anywhere below `root`, its state directory included.
std::vector<std::string> leftovers(const std::filesystem::path& root);

}  // namespace pkgtest
