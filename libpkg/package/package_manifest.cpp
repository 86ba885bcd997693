#include <sys/utsname.h>

#include <nlohmann/json.hpp>
#include <algorithm>
#include <map>
#include <set>

#include "pkg/dependency.hpp"
#include "pkg/package/package.hpp"
#include "pkg/config.hpp"
#include "pkg/printable.hpp"
#include "pkg/version.hpp"

namespace pkg {

const char* entry_type_name(EntryType type) {
    switch (type) {
        case EntryType::file: return "file";
        case EntryType::dir: return "dir";
        case EntryType::symlink: return "symlink";
        case EntryType::hardlink: return "hardlink";
    }
    return "file";
}

namespace {

std::string printable(std::string_view text) { return printable_name(text); }

}  // namespace


PackageError::PackageError(ErrorKind kind, const std::string& package, const std::string& member,
                           const std::string& rule)
    : Error(kind, member.empty() ? fmt::format("{}: {}", package, rule)
                                 : fmt::format("{}: member '{}': {}", package, printable(member), printable(rule))),
      detail_(rule) {
    set_path(package);
    where_mutable().member = member;
}

std::optional<std::string> check_text(std::string_view text, std::string_view what) {
    for (size_t i = 0; i < text.size(); ++i) {
        auto b = static_cast<unsigned char>(text[i]);
        if (b < 0x20 || b == 0x7f) return fmt::format("control character in {}", what);
        if (b < 0x80) continue;
        // Well-formed UTF-8 (RFC 3629), and no C1 control (U+0080 to U+009F).
        size_t n = b >= 0xC2 && b <= 0xDF ? 2 : b >= 0xE0 && b <= 0xEF ? 3 : b >= 0xF0 && b <= 0xF4 ? 4 : 0;
        if (n == 0 || i + n > text.size()) return fmt::format("{} is not UTF-8", what);
        for (size_t k = 1; k < n; ++k) {
            auto c = static_cast<unsigned char>(text[i + k]);
            if (c < 0x80 || c > 0xBF) return fmt::format("{} is not UTF-8", what);
        }
        auto b1 = static_cast<unsigned char>(text[i + 1]);
        if ((b == 0xE0 && b1 < 0xA0) || (b == 0xED && b1 > 0x9F) || (b == 0xF0 && b1 < 0x90) || (b == 0xF4 && b1 > 0x8F)) {
            return fmt::format("{} is not UTF-8", what);
        }
        if (b == 0xC2 && b1 <= 0x9F) return fmt::format("control character in {}", what);
        i += n - 1;
    }
    return std::nullopt;
}

std::optional<std::string> check_member_name(std::string_view name, const PackageLimits& limits) {
    if (name.empty()) return std::string("empty name");
    if (name.size() > limits.path_bytes) return fmt::format("name longer than {} bytes", limits.path_bytes);
    if (name.front() == '/') return std::string("absolute name");
    if (name == kManifestName) return fmt::format("the name '{}' is reserved for the manifest", kManifestName);
    if (auto problem = check_text(name, "the name")) return problem;
    size_t start = 0;
    for (;;) {
        size_t slash = name.find('/', start);
        std::string_view part = name.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
        if (part.empty()) return std::string("empty path component (a '//' or a trailing '/')");
        if (part == ".") return std::string("'.' component (names carry no './')");
        if (part == "..") return std::string("'..' component");
        if (part.rfind(".pkg-", 0) == 0) return std::string("a name starting with '.pkg-' (pkg's own temporary names)");
        if (part.size() > limits.component_bytes) {
            return fmt::format("path component longer than {} bytes", limits.component_bytes);
        }
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    return std::nullopt;
}

std::string host_arch() {
    struct utsname u {};
    if (uname(&u) != 0) return "unknown";
    std::string machine = u.machine;
    if (machine == "arm64") return "aarch64";
    if (machine == "amd64") return "x86_64";
    return machine;
}

bool known_arch(std::string_view arch) { return arch == "x86_64" || arch == "aarch64" || arch == "any"; }

bool valid_target(std::string_view target) { return target == "any" || valid_triplet(target); }

std::string PackageManifest::file_name() const {
    std::string v = version;
    if (auto colon = v.find(':'); colon != std::string::npos) v[colon] = ',';
    return fmt::format("{}-{}-{}-{}.pkg.tar.zst", name, v, release, arch);
}

std::string PackageManifest::to_json() const {
    nlohmann::ordered_json entries_json = nlohmann::ordered_json::array();
    for (const auto& e : entries) {
        entries_json.push_back({{"path", e.path},
                                {"type", entry_type_name(e.type)},
                                {"mode", e.mode},
                                {"size", e.size},
                                {"sha256", e.sha256},
                                {"target", e.target},
                                {"config", e.config}});
    }
    nlohmann::ordered_json j = {{"format", format}, {"name", name}, {"version", version},
                                {"release", release}, {"arch", arch}};
    // A package for any system (pkg create's default) does not name one.
    if (target != "any") j["target"] = target;
    j["depends"] = depends;
    j["provides"] = provides;
    j["conflicts"] = conflicts;
    j["port-hash"] = port_hash;
    j["source-date-epoch"] = source_date_epoch;
    j["entries"] = std::move(entries_json);
    return j.dump() + "\n";
}

namespace {

using Json = nlohmann::json;

// Builds the JSON value of a manifest from the reader's events, refusing
// what other JSON readers would resolve differently (a duplicate key) and
// nesting deeper than the format (a small package must not expand into
// gigabytes of JSON values). nlohmann's own callback parser does the same
// at several times the cost: a manifest of 5,000 entries took 35 ms.
class CheckedBuilder final : public nlohmann::json_sax<Json> {
public:
    Json root;
    std::string refusal;

    bool null() override { return add(nullptr); }
    bool boolean(bool value) override { return add(value); }
    bool number_integer(number_integer_t value) override { return add(value); }
    bool number_unsigned(number_unsigned_t value) override { return add(value); }
    bool number_float(number_float_t value, const string_t&) override { return add(value); }
    bool string(string_t& value) override { return add(std::move(value)); }
    bool binary(binary_t&) override { return refuse("the manifest holds binary data"); }
    bool start_object(std::size_t) override { return open(Json::object()); }
    bool start_array(std::size_t) override { return open(Json::array()); }
    bool end_object() override { return close(); }
    bool end_array() override { return close(); }
    bool key(string_t& name) override {
        auto [it, fresh] = open_.back()->get_ref<Json::object_t&>().try_emplace(std::move(name), nullptr);
        if (!fresh) return refuse(fmt::format("duplicate key '{}'", printable(name)));
        slot_ = &it->second;
        return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

private:
    static constexpr std::size_t kMaxDepth = 8;

    bool refuse(std::string why) {
        if (refusal.empty()) refusal = std::move(why);
        return false;
    }
    // Where the next value goes: the document, the array being read, or
    // the slot of the key just read.
    Json* place(Json&& value) {
        if (open_.empty()) {
            root = std::move(value);
            return &root;
        }
        Json& container = *open_.back();
        if (container.is_array()) {
            container.get_ref<Json::array_t&>().push_back(std::move(value));
            return &container.get_ref<Json::array_t&>().back();
        }
        *slot_ = std::move(value);
        return slot_;
    }
    template <typename T>
    bool add(T&& value) {
        if (open_.size() > kMaxDepth) return refuse("the manifest nests deeper than its format");
        place(Json(std::forward<T>(value)));
        return true;
    }
    bool open(Json&& container) {
        if (open_.size() > kMaxDepth) return refuse("the manifest nests deeper than its format");
        open_.push_back(place(std::move(container)));
        return true;
    }
    bool close() {
        open_.pop_back();
        return true;
    }

    std::vector<Json*> open_;  ///< the containers being read, innermost last
    Json* slot_ = nullptr;
};

class ManifestParser {
public:
    ManifestParser(const std::string& package, const PackageLimits& limits) : package_(package), limits_(limits) {}

    [[noreturn]] void fail(const std::string& member, const std::string& rule) const {
        throw PackageError(ErrorKind::general, package_, member, rule);
    }

    // `where` names the object in a message, "entry PATH" when `path` is given
    // (made only for a message: a manifest has thousands of entries).
    const Json& key(const Json& object, const char* name, Json::value_t type, std::string_view where,
                    const std::string* path = nullptr) const {
        auto it = object.find(name);
        auto place = [&] { return path ? fmt::format("{} {}", where, *path) : std::string(where); };
        if (it == object.end()) fail(kManifestName, fmt::format("{} lacks '{}'", place(), name));
        bool ok = it->type() == type ||
                  (type == Json::value_t::number_unsigned && it->type() == Json::value_t::number_integer &&
                   it->get<std::int64_t>() >= 0);
        if (!ok) fail(kManifestName, fmt::format("{}: '{}' has the wrong type", place(), name));
        return *it;
    }

    std::string string(const Json& object, const char* name, std::string_view where,
                       const std::string* path = nullptr) const {
        return key(object, name, Json::value_t::string, where, path).get<std::string>();
    }

    std::vector<std::string> relations(const Json& object, const char* name) const {
        std::vector<std::string> out;
        for (const auto& item : key(object, name, Json::value_t::array, "the manifest")) {
            if (!item.is_string()) fail(kManifestName, fmt::format("'{}' must hold strings", name));
            std::string why;
            if (!Dependency::parse(item.get<std::string>(), &why)) {
                fail(kManifestName, fmt::format("bad entry in '{}': {}", name, why));
            }
            out.push_back(item.get<std::string>());
        }
        return out;
    }

    PackageManifest parse(std::string_view text) const {
        // The JSON reader would skip a byte-order mark and stop at a NUL,
        // taking what follows for nothing: pkg-package(5) allows neither.
        if (text.substr(0, 3) == "\xef\xbb\xbf") fail(kManifestName, "the manifest starts with a byte-order mark");
        if (text.find('\0') != std::string_view::npos) fail(kManifestName, "NUL byte in the manifest");
        CheckedBuilder builder;
        bool parsed = Json::sax_parse(text.begin(), text.end(), &builder);
        if (!builder.refusal.empty()) fail(kManifestName, builder.refusal);
        if (!parsed) fail(kManifestName, "the manifest is not valid JSON");
        const Json& j = builder.root;
        if (!j.is_object()) fail(kManifestName, "the manifest is not a JSON object");
        PackageManifest m;
        const Json& format = key(j, "format", Json::value_t::number_unsigned, "the manifest");
        if (format.get<std::uint64_t>() != static_cast<std::uint64_t>(kPackageFormat)) {
            fail(kManifestName, fmt::format("unknown format version {} (this pkg reads {})", format.dump(), kPackageFormat));
        }
        static const std::set<std::string> known = {"format",   "name",      "version",   "release",
                                                    "arch",     "target",    "depends",   "provides",  "conflicts",
                                                    "port-hash", "source-date-epoch", "entries"};
        for (auto it = j.begin(); it != j.end(); ++it) {
            if (!known.count(it.key())) fail(kManifestName, fmt::format("unknown key '{}'", it.key()));
        }
        m.name = string(j, "name", "the manifest");
        if (auto problem = check_port_name(m.name)) fail(kManifestName, "bad name: " + *problem);
        m.version = string(j, "version", "the manifest");
        m.release = string(j, "release", "the manifest");
        if (m.release.empty() || m.release.find_first_not_of("0123456789") != std::string::npos ||
            m.release[0] == '0') {
            fail(kManifestName, fmt::format("release '{}' is not a whole number from 1", printable(m.release)));
        }
        if (auto problem = Version::check(m.version + "-" + m.release)) fail(kManifestName, "bad version: " + *problem);
        if (m.version.find('-') != std::string::npos) fail(kManifestName, "the version holds a '-'");
        m.arch = string(j, "arch", "the manifest");
        if (!known_arch(m.arch)) fail(kManifestName, fmt::format("unknown arch '{}'", m.arch));
        if (j.contains("target")) {
            m.target = string(j, "target", "the manifest");
            if (!valid_target(m.target) || m.target == "any") {
                fail(kManifestName, fmt::format("bad target '{}'", printable(m.target)));
            }
        }
        m.depends = relations(j, "depends");
        m.provides = relations(j, "provides");
        m.conflicts = relations(j, "conflicts");
        check_relations(m);
        m.port_hash = string(j, "port-hash", "the manifest");
        if (!m.port_hash.empty() && !is_hex(m.port_hash, 64)) fail(kManifestName, "'port-hash' is not a sha256");
        const Json& sde = key(j, "source-date-epoch", Json::value_t::number_unsigned, "the manifest");
        if (sde.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
            fail(kManifestName, "'source-date-epoch' is out of range");
        }
        m.source_date_epoch = static_cast<std::int64_t>(sde.get<std::uint64_t>());
        const Json& entries = key(j, "entries", Json::value_t::array, "the manifest");
        if (entries.size() > limits_.entries) fail(kManifestName, fmt::format("more than {} entries", limits_.entries));
        // Entries are sorted, so the files so far are too: a hard link's
        // file is found by a binary search. The views point into entries
        // that never move (room is reserved for all).
        m.entries.reserve(entries.size());
        std::vector<std::pair<std::string_view, unsigned>> files;  // path and mode of each file so far
        std::uint64_t total = 0;
        for (const auto& e : entries) {
            if (!e.is_object()) fail(kManifestName, "an entry is not an object");
            const std::string* previous = m.entries.empty() ? nullptr : &m.entries.back().path;
            m.entries.push_back(entry(e, previous, files, total));
            if (m.entries.back().type == EntryType::file) files.emplace_back(m.entries.back().path, m.entries.back().mode);
        }
        return m;
    }

private:
    // port(5)'s rules for relations: a provided name carries at most
    // `=VERSION`; a package neither needs nor conflicts with itself.
    void check_relations(const PackageManifest& m) const {
        std::set<std::string> provided;
        std::string why;  // relations() parsed each already
        for (const auto& text : m.provides) {
            auto d = Dependency::parse(text, &why);
            auto op = d->constraint.op;
            if (op != Constraint::Op::any && op != Constraint::Op::eq) {
                fail(kManifestName, fmt::format("provides '{}': a provided name may carry only '=VERSION'", text));
            }
            if (d->name == m.name) fail(kManifestName, fmt::format("provides its own name '{}'", text));
            provided.insert(d->name);
        }
        for (const auto& text : m.depends) {
            auto d = Dependency::parse(text, &why);
            if (d->name == m.name) fail(kManifestName, fmt::format("depends on itself ('{}')", text));
            if (provided.count(d->name)) {
                fail(kManifestName, fmt::format("depends on itself ('{}', which it provides)", text));
            }
        }
        for (const auto& text : m.conflicts) {
            auto d = Dependency::parse(text, &why);
            if (d->name == m.name) fail(kManifestName, fmt::format("conflicts with itself ('{}')", text));
        }
    }

    static bool is_hex(const std::string& s, size_t length) {
        if (s.size() != length) return false;
        for (char c : s) {
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
        }
        return true;
    }

    PackageEntry entry(const Json& e, const std::string* previous,
                       const std::vector<std::pair<std::string_view, unsigned>>& files, std::uint64_t& total) const {
        PackageEntry out;
        out.path = string(e, "path", "an entry");
        const std::string& p = out.path;
        if (e.size() != 7) fail(p, "a manifest entry has exactly the keys path, type, mode, size, sha256, target, config");
        if (auto problem = check_member_name(p, limits_)) fail(p, *problem);
        // Sorted, a path listed twice is listed twice in a row.
        if (previous && *previous == p) fail(p, "listed twice in the manifest");
        if (previous && !(*previous < p)) fail(p, "manifest entries are not sorted by path");
        std::string type = string(e, "type", "entry", &p);
        if (type == "file") out.type = EntryType::file;
        else if (type == "dir") out.type = EntryType::dir;
        else if (type == "symlink") out.type = EntryType::symlink;
        else if (type == "hardlink") out.type = EntryType::hardlink;
        else fail(p, fmt::format("unknown entry type '{}'", type));
        std::uint64_t mode = key(e, "mode", Json::value_t::number_unsigned, "entry", &p).get<std::uint64_t>();
        if (mode > 07777) fail(p, "mode has bits beyond permissions and setuid/setgid/sticky");
        out.mode = static_cast<unsigned>(mode);
        out.size = key(e, "size", Json::value_t::number_unsigned, "entry", &p).get<std::uint64_t>();
        out.sha256 = string(e, "sha256", "entry", &p);
        out.target = string(e, "target", "entry", &p);
        out.config = key(e, "config", Json::value_t::boolean, "entry", &p).get<bool>();
        if (out.type == EntryType::file) {
            if (out.size > limits_.file_bytes) fail(p, fmt::format("larger than {} bytes", limits_.file_bytes));
            total += out.size;
            if (total > limits_.total_bytes) fail(p, fmt::format("files total more than {} bytes", limits_.total_bytes));
            if (!is_hex(out.sha256, 64)) fail(p, "a file needs a sha256 of 64 lower-case hexadecimal digits");
            if (!out.target.empty()) fail(p, "a file has no target");
        } else {
            if (out.size != 0 || !out.sha256.empty()) fail(p, "only files have a size and a sha256");
            if (out.config) fail(p, "only files can be configuration");
        }
        if (out.type == EntryType::dir && !out.target.empty()) fail(p, "a directory has no target");
        if (out.type == EntryType::symlink) {
            if (out.target.empty()) fail(p, "a symlink needs a target");
            if (out.target.size() > limits_.path_bytes) fail(p, "symlink target too long");
            if (out.target.find('\0') != std::string::npos) fail(p, "NUL in a symlink target");
            if (auto problem = check_text(out.target, "the symlink target")) fail(p, *problem);
            if ((out.mode & ~0777u) != 0) fail(p, "a symlink has no setuid/setgid/sticky bits");
        }
        if (out.type == EntryType::hardlink) {
            auto target = std::lower_bound(files.begin(), files.end(), std::string_view(out.target),
                                           [](const auto& file, std::string_view path) { return file.first < path; });
            if (target == files.end() || target->first != out.target) {
                fail(p, fmt::format("a hard link must name an earlier file of the package, not '{}'", out.target));
            }
            // One inode has one mode: a link cannot add setuid to its file.
            if (out.mode != target->second) {
                fail(p, fmt::format("a hard link has its file's mode {:04o}, not {:04o}", target->second, out.mode));
            }
        }
        return out;
    }

    const std::string& package_;
    const PackageLimits& limits_;
};

}  // namespace

PackageManifest PackageManifest::from_json(const std::string& package, std::string_view text,
                                           const PackageLimits& limits) {
    return ManifestParser(package, limits).parse(text);
}

}  // namespace pkg
