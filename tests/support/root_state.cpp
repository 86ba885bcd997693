#include "support/root_state.hpp"

#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace pkgtest {
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

// Every table but history, each row as text, sorted: the database's logical state.
std::string dump_database(const fs::path& file, bool times) {
    if (!fs::exists(file)) return "";  // as an empty one
    sqlite3* db = nullptr;
    std::string uri = "file:" + file.string() + "?mode=ro";
    if (sqlite3_open_v2(uri.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr) != SQLITE_OK) {
        std::string why = sqlite3_errmsg(db);
        sqlite3_close(db);
        return "(cannot open: " + why + ")\n";
    }
    auto rows = [&](const std::string& sql) {
        std::vector<std::string> out;
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
            out.push_back("(error: " + std::string(sqlite3_errmsg(db)) + ")");
            return out;
        }
        while (sqlite3_step(st) == SQLITE_ROW) {
            std::string row;
            for (int i = 0; i < sqlite3_column_count(st); ++i) {
                std::string column = sqlite3_column_name(st, i);
                if (!times && (column == "installed_at" || column == "started_at")) {
                    row += i ? "|T" : "T";
                    continue;
                }
                const unsigned char* text = sqlite3_column_text(st, i);
                row += (i ? "|" : "") + (text ? std::string(reinterpret_cast<const char*>(text)) : "NULL");
            }
            out.push_back(row);
        }
        sqlite3_finalize(st);
        std::sort(out.begin(), out.end());
        return out;
    };
    std::string out;
    for (const auto& table : rows("SELECT name FROM sqlite_master WHERE type = 'table'")) {
        if (table == "history" || table.rfind("sqlite_", 0) == 0) continue;
        auto content = rows("SELECT * FROM \"" + table + "\"");
        if (content.empty()) continue;  // so that no database and an empty one compare equal
        out += "[" + table + "]\n";
        for (const auto& row : content) out += row + "\n";
    }
    auto check = rows("PRAGMA integrity_check");
    sqlite3_close(db);
    if (check != std::vector<std::string>{"ok"}) {
        out += "(integrity_check failed)\n";
        for (const auto& c : check) out += c + "\n";
    }
    return out;
}

// The tree below the root outside var/lib/pkg (and the directories holding
// it, which the first writer makes): type, mode, content, link target.
std::string dump_tree(const fs::path& root) {
    std::vector<std::string> lines;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        std::string rel = it->path().lexically_relative(root).string();
        if (rel == "var/lib/pkg" || rel.rfind("var/lib/pkg/", 0) == 0) continue;
        struct stat st {};
        ::lstat(it->path().c_str(), &st);
        if ((rel == "var" || rel == "var/lib") && S_ISDIR(st.st_mode)) continue;
        std::ostringstream line;
        line << rel << " " << std::oct << st.st_mode;
        if (S_ISLNK(st.st_mode)) line << " -> " << fs::read_symlink(it->path()).string();
        if (S_ISREG(st.st_mode)) line << " " << slurp(it->path());
        lines.push_back(line.str());
    }
    std::sort(lines.begin(), lines.end());
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

// Names pkg makes, anywhere in the root (its own state directory included).
std::vector<std::string> leftovers(const fs::path& root) {
    std::vector<std::string> out;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        if (it->path().filename().string().rfind(".pkg-", 0) == 0) out.push_back(it->path().string());
    }
    return out;
}

fs::path database_file(const fs::path& root) { return root / "var/lib/pkg/pkg.db"; }

}  // namespace pkgtest
