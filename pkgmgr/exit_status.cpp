#include "exit_status.hpp"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "output/escape.hpp"
#include "ports_view.hpp"

namespace pkgmgr {

int exit_code(pkg::ErrorKind kind) {
    switch (kind) {
        case pkg::ErrorKind::general: return 1;
        case pkg::ErrorKind::usage: return 2;
        case pkg::ErrorKind::problems: return 3;
        case pkg::ErrorKind::lock_busy: return 4;
        case pkg::ErrorKind::declined: return 5;
        case pkg::ErrorKind::dependency: return 6;
        case pkg::ErrorKind::verification: return 7;
        case pkg::ErrorKind::privilege: return 8;
    }
    return 1;
}

namespace {

nlohmann::ordered_json or_null(const std::string& text) {
    return text.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(text);
}

}  // namespace

int report_error(const std::exception& error, bool json, const Style& style, std::ostream& out,
                 std::ostream& err) {
    pkg::ErrorKind kind = pkg::ErrorKind::general;
    std::string hint;
    pkg::ErrorWhere where;
    std::string message = shorten_paths(error.what());
    if (auto* e = dynamic_cast<const pkg::Error*>(&error)) {
        kind = e->kind();
        hint = e->hint();
        where = e->where();
    } else if (auto* f = dynamic_cast<const std::filesystem::filesystem_error*>(&error)) {
        // A safety net: libpkg turns these into pkg errors; one that slips
        // through still names the path and the reason, not "internal error".
        kind = pkg::errno_kind(f->code().value());
        where.path = f->path1().string();
        std::string what = f->what();
        if (what.rfind("filesystem error: ", 0) == 0) what.erase(0, 18);
        message = shorten_paths(what);
    } else if (dynamic_cast<const std::bad_alloc*>(&error)) {
        message = "out of memory";
    } else {
        message = "internal error: " + message;
    }
    int code = exit_code(kind);
    if (json) {
        nlohmann::ordered_json j;
        j["error"] = {{"kind", pkg::error_kind_name(kind)},
                      {"exit", code},
                      {"message", message},
                      {"hint", or_null(hint)},
                      {"file", or_null(where.file)},
                      {"line", where.line > 0 ? nlohmann::ordered_json(where.line) : nlohmann::ordered_json()},
                      {"column", where.column > 0 ? nlohmann::ordered_json(where.column) : nlohmann::ordered_json()},
                      {"path", or_null(where.path)},
                      {"member", or_null(where.member)},
                      {"url", or_null(where.url)}};
        out << j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
        out.flush();
        return code;
    }
    auto paint = [&](const char* label) {
        return style.color ? fmt::format("\x1b[1;31m{}\x1b[0m", label) : std::string(label);
    };
    // A message may list several problems, one a line: each line is escaped
    // on its own, so a list keeps its shape and nothing reaches the terminal raw.
    std::string shown;
    for (std::size_t start = 0;;) {
        std::size_t end = message.find('\n', start);
        shown += terminal_text(std::string_view(message).substr(start, end == std::string::npos ? end : end - start));
        if (end == std::string::npos) break;
        shown += '\n';
        start = end + 1;
    }
    err << paint("error:") << ' ' << shown << '\n';
    if (!hint.empty()) err << "hint: " << terminal_text(hint) << '\n';
    err.flush();
    return code;
}

}  // namespace pkgmgr
