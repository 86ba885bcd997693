// Deriving pkg's deb-src list from the host's apt sources (the rule is
// documented at derive_debian_source_list in debian_origin.hpp).

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <set>

#include "deb822.hpp"
#include "pkg/fetch/debian_origin.hpp"
#include "pkg/file_read.hpp"

namespace pkg {

namespace {

namespace fs = std::filesystem;

struct AptEntry {
    std::vector<std::string> types;  ///< deb, deb-src
    std::vector<std::string> uris;
    std::vector<std::string> suites;
    std::vector<std::string> components;
    std::vector<std::pair<std::string, std::string>> options;  ///< one-line names, comma lists
};

// The options that concern the repository and its Release file, which a
// deb-src entry shares with the deb entry; the others (arch, lang, target)
// only select binary indexes.
constexpr std::array kKeptOptions = {
    "signed-by",         "trusted",
    "check-valid-until", "valid-until-min",
    "valid-until-max",   "check-date",
    "date-max-future",   "allow-insecure",
    "allow-weak",        "allow-downgrade-to-insecure",
    "by-hash",           "inrelease-path",
};

bool kept_option(const std::string& name) {
    return std::find(kKeptOptions.begin(), kKeptOptions.end(), name) != kKeptOptions.end();
}

const std::string* option(const AptEntry& entry, std::string_view name) {
    for (const auto& [key, value] : entry.options) {
        if (key == name)
            return &value;
    }
    return nullptr;
}

// One-line format: TYPE [ OPTIONS ] URI SUITE [COMPONENT...]; '#' starts a
// comment anywhere, as apt reads it.
std::optional<AptEntry> parse_one_line(std::string_view line) {
    line = line.substr(0, line.find('#'));
    std::string text(line);
    std::string options_text;
    if (std::size_t open = text.find('['); open != std::string::npos) {
        std::size_t close = text.find(']', open);
        if (close == std::string::npos)
            return std::nullopt;
        options_text = text.substr(open + 1, close - open - 1);
        text.erase(open, close - open + 1);
    }
    std::vector<std::string> words = split_words(text);
    if (words.size() < 3)
        return std::nullopt;
    AptEntry entry;
    entry.types = {words[0]};
    entry.uris = {words[1]};
    entry.suites = {words[2]};
    entry.components.assign(words.begin() + 3, words.end());
    for (const auto& word : split_words(options_text)) {
        std::size_t eq = word.find('=');
        if (eq == std::string::npos || eq == 0)
            continue;
        std::string name = ascii_lower(word.substr(0, eq));
        // "name+=value" adds to apt's default, which for the kept options is
        // empty: the same as "name=value". "name-=value" takes away.
        if (name.back() == '-')
            continue;
        if (name.back() == '+')
            name.pop_back();
        entry.options.emplace_back(name, word.substr(eq + 1));
    }
    return entry;
}

// deb822 format: a stanza per entry; a Signed-By holding a key inline
// (several lines) cannot be written in the one-line format, so such an
// entry is left out.
std::optional<AptEntry> parse_stanza(const Deb822Stanza& stanza) {
    if (const std::string* enabled = stanza.find("Enabled");
        enabled && ascii_lower(*enabled) == "no") {
        return std::nullopt;
    }
    const std::string* types = stanza.find("Types");
    const std::string* uris = stanza.find("URIs");
    const std::string* suites = stanza.find("Suites");
    if (!types || !uris || !suites)
        return std::nullopt;
    AptEntry entry;
    entry.types = split_words(*types);
    entry.uris = split_words(*uris);
    entry.suites = split_words(*suites);
    if (const std::string* components = stanza.find("Components"))
        entry.components = split_words(*components);
    for (const auto& field : stanza.fields) {
        std::string name = ascii_lower(field.name);
        if (!kept_option(name))
            continue;
        if (field.value.find('\n') != std::string::npos)
            return std::nullopt;
        std::vector<std::string> values = split_words(field.value);
        std::string joined;
        for (const auto& v : values)
            joined += (joined.empty() ? "" : ",") + v;
        entry.options.emplace_back(name, joined);
    }
    return entry;
}

// The name apt gives a downloaded index: the URI without its scheme and
// credentials, %-escapes decoded, then the characters apt quotes written as
// %xx and every '/' as '_' (apt's URItoFileName; checked against
// `apt-get update --print-uris`).
std::string list_file_name(const std::string& uri, const std::string& path_in_repo) {
    std::string rest = uri;
    if (std::size_t colon = rest.find(':'); colon != std::string::npos)
        rest.erase(0, colon + 1);
    if (rest.rfind("//", 0) == 0) {
        rest.erase(0, 2);
        std::size_t slash = rest.find('/');
        std::size_t at = rest.rfind('@', slash);
        if (at != std::string::npos)
            rest.erase(0, at + 1);
    }
    if (rest.empty() || rest.back() != '/')
        rest += '/';
    rest += path_in_repo;
    std::string decoded;
    for (std::size_t i = 0; i < rest.size(); ++i) {
        if (rest[i] == '%' && i + 2 < rest.size() &&
            std::isxdigit(static_cast<unsigned char>(rest[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(rest[i + 2]))) {
            decoded += static_cast<char>(std::stoi(rest.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            decoded += rest[i];
        }
    }
    static constexpr std::string_view kQuoted = "\\|{}[]<>\"^~_=!@#$%^&*";
    std::string name;
    for (char c : decoded) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f || kQuoted.find(c) != std::string_view::npos) {
            name += fmt::format("%{:02x}", u);
        } else {
            name += c == '/' ? '_' : c;
        }
    }
    return name;
}

// The Origin field of the Release file the host downloaded for URI and
// suite, if it holds one.
std::optional<std::string> release_origin(const fs::path& lists_dir, const std::string& uri,
                                          const std::string& suite) {
    // A suite ending in '/' is a flat repository: no dists/ directory.
    std::string dir = !suite.empty() && suite.back() == '/' ? suite : "dists/" + suite + "/";
    for (const char* release : {"InRelease", "Release"}) {
        std::ifstream in(lists_dir / list_file_name(uri, dir + release));
        if (!in)
            continue;
        std::string line;
        bool signed_header = false;
        bool first = true;
        while (std::getline(in, line)) {
            if (!line.empty() && line.back() == '\r')
                line.pop_back();
            if (first && line.rfind("-----BEGIN PGP SIGNED MESSAGE-----", 0) == 0) {
                signed_header = true;  // armour headers ("Hash:") until an empty line
            } else if (line.empty()) {
                if (!signed_header)
                    break;  // the end of the Release paragraph
                signed_header = false;
            } else if (!signed_header && ascii_lower(line.substr(0, 7)) == "origin:") {
                std::vector<std::string> words = split_words(line.substr(7));
                std::string origin;
                for (const auto& w : words)
                    origin += (origin.empty() ? "" : " ") + w;
                return origin;
            }
            first = false;
        }
        return std::string();  // a Release file without Origin: not Debian's
    }
    return std::nullopt;
}

bool names_debian_keyring(const AptEntry& entry) {
    const std::string* signed_by = option(entry, "signed-by");
    if (!signed_by)
        return false;
    std::string list = *signed_by;
    std::replace(list.begin(), list.end(), ',', ' ');
    for (const auto& keyring : split_words(list)) {
        std::string name = fs::path(keyring).filename().string();
        if (name.rfind("debian-archive-", 0) == 0 &&
            name.rfind("debian-archive-removed-keys", 0) != 0) {
            return true;
        }
    }
    return false;
}

bool is_debian_archive(const AptEntry& entry, const std::string& uri, const std::string& suite,
                       const fs::path& lists_dir) {
    if (std::optional<std::string> origin = release_origin(lists_dir, uri, suite)) {
        return *origin == "Debian" || *origin == "Debian Backports";
    }
    return names_debian_keyring(entry);
}

void add_deb_src_lines(const AptEntry& entry, const fs::path& lists_dir,
                       std::vector<std::string>& lines) {
    bool wanted = std::any_of(entry.types.begin(), entry.types.end(),
                              [](const std::string& t) { return t == "deb" || t == "deb-src"; });
    if (!wanted)
        return;
    std::string options;
    for (const auto& [name, value] : entry.options) {
        if (kept_option(name))
            options += (options.empty() ? "" : " ") + name + "=" + value;
    }
    for (const auto& uri : entry.uris) {
        // A CD or DVD is no place to fetch from.
        if (uri.rfind("cdrom:", 0) == 0)
            continue;
        for (const auto& suite : entry.suites) {
            if (!is_debian_archive(entry, uri, suite, lists_dir))
                continue;
            std::string line = "deb-src ";
            if (!options.empty())
                line += "[" + options + "] ";
            line += uri + " " + suite;
            for (const auto& component : entry.components)
                line += " " + component;
            lines.push_back(std::move(line));
        }
    }
}

std::vector<AptEntry> read_entries(const fs::path& file) {
    std::vector<AptEntry> entries;
    std::string text = read_text_file(file, "apt sources file");
    if (file.extension() == ".sources") {
        for (const auto& stanza : parse_deb822(text)) {
            if (auto entry = parse_stanza(stanza))
                entries.push_back(std::move(*entry));
        }
        return entries;
    }
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos)
            end = text.size();
        if (auto entry = parse_one_line(std::string_view(text).substr(start, end - start))) {
            entries.push_back(std::move(*entry));
        }
        start = end + 1;
    }
    return entries;
}

}  // namespace

std::string derive_debian_source_list(const fs::path& host_apt_dir,
                                      const fs::path& host_lists_dir) {
    // apt's own order: sources.list, then the parts in name order; files of
    // other names (a *.list.disabled) are not apt's, nor ours.
    std::vector<fs::path> files;
    std::error_code ec;
    if (fs::is_regular_file(host_apt_dir / "sources.list", ec))
        files.push_back(host_apt_dir / "sources.list");
    std::vector<fs::path> parts;
    for (fs::directory_iterator it(host_apt_dir / "sources.list.d", ec), end; !ec && it != end;
         it.increment(ec)) {
        const fs::path& p = it->path();
        if ((p.extension() == ".list" || p.extension() == ".sources") && it->is_regular_file(ec)) {
            parts.push_back(p);
        }
    }
    std::sort(parts.begin(), parts.end());
    files.insert(files.end(), parts.begin(), parts.end());

    std::vector<std::string> lines;
    for (const auto& file : files) {
        for (const auto& entry : read_entries(file))
            add_deb_src_lines(entry, host_lists_dir, lines);
    }
    std::string out;
    std::set<std::string> seen;
    for (const auto& line : lines) {
        if (seen.insert(line).second)
            out += line + "\n";
    }
    return out;
}

}  // namespace pkg
