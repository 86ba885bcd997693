// Reads port.json into a Port, collecting every problem with its position.

#include <cstdint>
#include <fstream>
#include <set>
#include <sstream>

#include "pkg/error.hpp"
#include "pkg/file_read.hpp"
#include "pkg/port/port.hpp"
#include "pkg/version.hpp"
#include "port_checks.hpp"

namespace pkg {
namespace fs = std::filesystem;
using json::Type;
using json::Value;

namespace {

class ManifestReader {
public:
    explicit ManifestReader(ProblemList& problems) : p_(problems) {}

    // Reports members of `object` not in `allowed`.
    void only_keys(const Value& object, std::initializer_list<std::string_view> allowed,
                   std::string_view where) {
        for (const auto& m : object.members) {
            bool known = false;
            for (auto k : allowed) known = known || m.key == k;
            if (!known) p_.error(m.key_span, "unknown key '{}' in {}", m.key, where);
        }
    }

    const Value* typed(const Value& object, std::string_view key, Type type, bool required,
                       std::string_view where) {
        const Value* v = object.find(key);
        if (!v) {
            if (required) p_.error(object.span, "{} lacks required key '{}'", where, key);
            return nullptr;
        }
        if (v->type != type) {
            p_.error(v->span, "'{}' must be {}, not {}", key, json::type_name(type),
                     json::type_name(v->type));
            return nullptr;
        }
        return v;
    }

    std::string string(const Value& object, std::string_view key, bool required,
                       std::string_view where, json::Span* span = nullptr) {
        const Value* v = typed(object, key, Type::string, required, where);
        if (!v) return {};
        if (span) *span = v->span;
        if (v->text.empty()) p_.error(v->span, "'{}' is empty", key);
        return v->text;
    }

    std::vector<std::string> strings(const Value& object, std::string_view key, std::string_view where,
                                     std::vector<json::Span>* spans = nullptr) {
        std::vector<std::string> out;
        const Value* v = typed(object, key, Type::array, false, where);
        if (!v) return out;
        for (const auto& item : v->items) {
            if (item.type != Type::string) {
                p_.error(item.span, "'{}' must hold strings, not {}", key, json::type_name(item.type));
                continue;
            }
            out.push_back(item.text);
            if (spans) spans->push_back(item.span);
        }
        return out;
    }

    std::optional<std::int64_t> integer(const Value& object, std::string_view key, std::int64_t min,
                                        std::int64_t max, std::string_view where) {
        const Value* v = typed(object, key, Type::number, false, where);
        if (!v) return std::nullopt;
        std::int64_t value = 0;
        bool integral = v->text.find_first_of(".eE") == std::string::npos;
        try {
            if (integral) value = std::stoll(v->text);
        } catch (...) {
            integral = false;
        }
        if (!integral || value < min || value > max) {
            p_.error(v->span, "'{}' must be a whole number from {} to {}", key, min, max);
            return std::nullopt;
        }
        return value;
    }

    void digest(const Value& object, DigestAlgorithm& algorithm, std::string& out, std::string_view where) {
        const Value* sha256 = object.find("sha256");
        const Value* sha512 = object.find("sha512");
        if (!sha256 && !sha512) {
            p_.error(object.span, "{} needs a digest: 'sha256' or 'sha512' (pkg checksum pins it)", where);
            return;
        }
        if (sha256 && sha512) {
            p_.error(sha512->span, "{} has both 'sha256' and 'sha512': keep one", where);
        }
        const Value* v = sha256 ? sha256 : sha512;
        algorithm = sha256 ? DigestAlgorithm::sha256 : DigestAlgorithm::sha512;
        const char* key = digest_name(algorithm);
        if (v->type != Type::string) {
            p_.error(v->span, "'{}' must be a string", key);
            return;
        }
        if (auto problem = check_digest(v->text, algorithm)) {
            p_.error(v->span, "{}", *problem);
            return;
        }
        out = v->text;
    }

    UnpackRule unpack(const Value& object) {
        UnpackRule rule;
        const Value* v = object.find("unpack");
        if (!v) return rule;
        if (v->type == Type::boolean && !v->boolean) {
            rule.mode = UnpackRule::Mode::none;
            return rule;
        }
        if (v->type != Type::object) {
            p_.error(v->span, "'unpack' must be an object ({{\"strip\": N}} or {{\"dir\": NAME}}) or false");
            return rule;
        }
        only_keys(*v, {"strip", "dir"}, "'unpack'");
        if (v->find("strip") && v->find("dir")) {
            p_.error(v->span, "'unpack' takes 'strip' or 'dir', not both");
        }
        if (auto strip = integer(*v, "strip", 0, 8, "'unpack'")) rule.strip = static_cast<int>(*strip);
        json::Span span;
        std::string dir = string(*v, "dir", false, "'unpack'", &span);
        if (!dir.empty()) {
            if (dir.find('/') != std::string::npos || dir == "." || dir == "..") {
                p_.error(span, "'dir' must be one directory name, got '{}'", dir);
            }
            rule.mode = UnpackRule::Mode::directory;
            rule.directory = dir;
        }
        return rule;
    }

    std::vector<PatchRef> patches(const Value& object) {
        std::vector<PatchRef> out;
        const Value* v = typed(object, "patches", Type::array, false, "the port");
        if (!v) return out;
        for (const auto& item : v->items) {
            PatchRef ref;
            ref.span = item.span;
            if (item.type == Type::string) {
                ref.file = item.text;
            } else if (item.type == Type::object) {
                only_keys(item, {"file", "strip"}, "a patch");
                ref.file = string(item, "file", true, "a patch");
                if (auto strip = integer(item, "strip", 0, 8, "a patch")) ref.strip = static_cast<int>(*strip);
            } else {
                p_.error(item.span, "a patch is a file name or {{\"file\": NAME, \"strip\": N}}");
                continue;
            }
            if (ref.file.empty() || ref.file.find('/') != std::string::npos || ref.file[0] == '.') {
                p_.error(item.span, "a patch must be a file name in patches/, got '{}'", ref.file);
                continue;
            }
            out.push_back(ref);
        }
        return out;
    }

    std::vector<Dependency> dependencies(const Value& list, DependencyKind kind, std::string_view key) {
        std::vector<Dependency> out;
        if (list.type != Type::array) {
            p_.error(list.span, "'{}' must be an array of strings", key);
            return out;
        }
        for (const auto& item : list.items) {
            if (item.type != Type::string) {
                p_.error(item.span, "'{}' must hold strings, not {}", key, json::type_name(item.type));
                continue;
            }
            std::string why;
            auto d = Dependency::parse(item.text, &why);
            if (!d) {
                p_.error(item.span, "{}", why);
                continue;
            }
            d->kind = kind;
            d->span = item.span;
            out.push_back(*d);
        }
        return out;
    }

    std::vector<Dependency> depends(const Value& object, std::initializer_list<std::string_view> kinds,
                                    std::string_view where) {
        std::vector<Dependency> out;
        const Value* v = typed(object, "depends", Type::object, false, where);
        if (!v) return out;
        only_keys(*v, kinds, "'depends'");
        for (const auto& m : v->members) {
            DependencyKind kind = m.key == "host"    ? DependencyKind::host
                                  : m.key == "build" ? DependencyKind::build
                                  : m.key == "check" ? DependencyKind::check
                                                     : DependencyKind::run;
            bool known = false;
            for (auto k : kinds) known = known || m.key == k;
            if (!known) continue;
            auto list = dependencies(m.value, kind, m.key);
            out.insert(out.end(), list.begin(), list.end());
        }
        return out;
    }

    Artifact artifact(const Value& v) {
        Artifact a;
        a.span = v.span;
        only_keys(v, {"debian", "sha256", "sha512", "size", "unpack", "patches", "depends", "prepare"},
                  "an alternative");
        if (const Value* d = typed(v, "debian", Type::object, true, "an alternative")) {
            only_keys(*d, {"source", "version", "file"}, "'debian'");
            json::Span source_span, version_span, file_span;
            a.debian.source = string(*d, "source", true, "'debian'", &source_span);
            a.debian.version = string(*d, "version", true, "'debian'", &version_span);
            a.debian.file = string(*d, "file", true, "'debian'", &file_span);
            if (!a.debian.source.empty()) {
                if (auto problem = check_debian_source(a.debian.source)) p_.error(source_span, "{}", *problem);
            }
            if (!a.debian.version.empty()) {
                if (auto problem = check_debian_version(a.debian.version)) p_.error(version_span, "{}", *problem);
            }
            if (!a.debian.file.empty()) {
                if (auto problem = check_file_name(a.debian.file)) {
                    p_.error(file_span, "bad file name in Debian's pool: {}", *problem);
                }
            }
        }
        digest(v, a.algorithm, a.digest, "an alternative");
        if (auto size = integer(v, "size", 0, INT64_MAX, "an alternative")) a.size = static_cast<std::uint64_t>(*size);
        a.unpack = unpack(v);
        a.patches = patches(v);
        a.host_depends = depends(v, {"host"}, "an alternative");
        a.prepare = string(v, "prepare", false, "an alternative");
        return a;
    }

    Source source(const Value& v, const Port& port) {
        Source s;
        s.span = v.span;
        only_keys(v, {"url", "urls", "file", "sha256", "sha512", "size", "unpack", "alternatives"},
                  "a source");
        if (v.find("url") && v.find("urls")) p_.error(v.span, "a source takes 'url' or 'urls', not both");
        std::vector<json::Span> url_spans;
        if (const Value* u = v.find("url")) {
            if (u->type == Type::string) {
                s.urls.push_back(u->text);
                url_spans.push_back(u->span);
            } else {
                p_.error(u->span, "'url' must be a string (several mirrors: 'urls')");
            }
        } else {
            s.urls = strings(v, "urls", "a source", &url_spans);
        }
        for (size_t i = 0; i < s.urls.size(); ++i) {
            if (auto problem = check_url_template(s.urls[i])) p_.error(url_spans[i], "{}", *problem);
        }
        json::Span file_span = v.span;
        s.file = string(v, "file", false, "a source", &file_span);
        bool explicit_file = !s.file.empty();
        if (!explicit_file && !s.urls.empty()) {
            // The saved name defaults to the first URL's last component, templates kept.
            s.file = s.urls[0].substr(s.urls[0].rfind('/') + 1);
            if (!url_spans.empty()) file_span = url_spans[0];
        }
        if (explicit_file || !s.urls.empty()) {
            if (explicit_file) {
                if (auto problem = check_template(s.file)) p_.error(file_span, "{}", *problem);
            }
            if (auto problem = check_file_name(s.file)) {
                p_.error(file_span, "bad saved name{}: {}", explicit_file ? "" : " (from the URL; set 'file')",
                         *problem);
            }
        }
        // A source reachable only through alternatives has no artifact of
        // its own to pin: each alternative carries its digest.
        if (!s.urls.empty() || !v.find("alternatives")) {
            digest(v, s.algorithm, s.digest, "a source");
        } else if (const Value* d = v.find("sha256") ? v.find("sha256") : v.find("sha512")) {
            p_.error(d->span, "a source without a URL has no artifact of its own: its alternatives carry the digests");
        }
        if (auto size = integer(v, "size", 0, INT64_MAX, "a source")) s.size = static_cast<std::uint64_t>(*size);
        s.unpack = unpack(v);
        if (const Value* alts = typed(v, "alternatives", Type::array, false, "a source")) {
            for (const auto& item : alts->items) {
                if (item.type != Type::object) {
                    p_.error(item.span, "an alternative must be an object");
                    continue;
                }
                s.alternatives.push_back(artifact(item));
            }
        }
        if (s.urls.empty() && s.alternatives.empty()) {
            p_.error(v.span, "a source needs 'url', 'urls' or 'alternatives'");
        } else if (s.urls.empty()) {
            p_.warning(v.span, "source '{}' is reachable only through Debian's copy",
                       s.file.empty() ? s.alternatives[0].debian.file : port.expand(s.file));
        }
        if (s.urls.empty() && s.file.empty() && !s.alternatives.empty()) s.file = s.alternatives[0].debian.file;
        return s;
    }

    BuildSpec build(const Value& object) {
        BuildSpec b;
        const Value* v = typed(object, "build", Type::object, true, "the port");
        if (!v) return b;
        only_keys(*v, {"style", "configure", "make", "install", "toolchain"}, "'build'");
        json::Span style_span = v->span;
        b.style = string(*v, "style", true, "'build'", &style_span);
        if (!b.style.empty() && b.style != "gnu" && b.style != "cmake" && b.style != "make" &&
            b.style != "custom") {
            p_.error(style_span, "unknown build style '{}' (gnu, cmake, make or custom)", b.style);
        }
        b.configure = strings(*v, "configure", "'build'");
        b.make = strings(*v, "make", "'build'");
        b.install = strings(*v, "install", "'build'");
        json::Span toolchain_span = v->span;
        std::string toolchain = string(*v, "toolchain", false, "'build'", &toolchain_span);
        if (toolchain == "build") {
            b.build_toolchain = true;
        } else if (!toolchain.empty() && toolchain != "target") {
            p_.error(toolchain_span, "'toolchain' must be 'target' or 'build', got '{}'", toolchain);
        }
        if (const Value* c = v->find("configure"); c && (b.style == "make" || b.style == "custom")) {
            p_.error(c->span, "the {} style has no configure step", b.style);
        }
        return b;
    }

    void port(const Value& root, Port& port) {
        only_keys(root, {"name", "version", "release", "epoch", "summary", "license", "homepage",
                         "sources", "depends", "provides", "conflicts", "patches", "build", "test",
                         "config-files", "source-date-epoch", "setuid"},
                  "the port");
        json::Span name_span = root.span, version_span = root.span;
        port.name = string(root, "name", true, "the port", &name_span);
        if (!port.name.empty()) {
            if (auto problem = check_port_name(port.name)) p_.error(name_span, "{}", *problem);
            std::string dir_name = port.dir.filename().string();
            if (port.name != dir_name) {
                p_.error(name_span, "the port is named '{}' but its directory is '{}'", port.name, dir_name);
            }
        }
        port.version = string(root, "version", true, "the port", &version_span);
        if (!port.version.empty()) {
            if (auto problem = Version::check_upstream(port.version)) p_.error(version_span, "{}", *problem);
        }
        if (const Value* r = root.find("release")) {
            if (r->type == Type::number) {
                if (auto n = integer(root, "release", 1, 1000000, "the port")) port.release = std::to_string(*n);
            } else {
                p_.error(r->span, "'release' must be a whole number from 1");
            }
        }
        if (auto epoch = integer(root, "epoch", 0, 1000000, "the port")) port.epoch = std::to_string(*epoch);
        json::Span summary_span, license_span;
        port.summary = string(root, "summary", true, "the port", &summary_span);
        port.license = string(root, "license", true, "the port", &license_span);
        if (auto problem = check_one_line(port.summary)) p_.error(summary_span, "'summary' {}", *problem);
        if (auto problem = check_one_line(port.license)) p_.error(license_span, "'license' {}", *problem);
        json::Span homepage_span;
        port.homepage = string(root, "homepage", false, "the port", &homepage_span);
        if (!port.homepage.empty()) {
            if (auto problem = check_url_template(port.homepage)) p_.error(homepage_span, "{}", *problem);
        }
        if (const Value* sources = typed(root, "sources", Type::array, false, "the port")) {
            for (const auto& item : sources->items) {
                if (item.type != Type::object) {
                    p_.error(item.span, "a source must be an object");
                    continue;
                }
                port.sources.push_back(source(item, port));
            }
        }
        port.depends = depends(root, {"host", "build", "run", "check"}, "the port");
        if (const Value* v = typed(root, "provides", Type::array, false, "the port")) {
            port.provides = dependencies(*v, DependencyKind::run, "provides");
            for (const auto& d : port.provides) {
                if (d.constraint.op != Constraint::Op::any && d.constraint.op != Constraint::Op::eq) {
                    p_.error(d.span, "a provided name may carry only '=VERSION'");
                }
            }
        }
        if (const Value* v = typed(root, "conflicts", Type::array, false, "the port")) {
            port.conflicts = dependencies(*v, DependencyKind::run, "conflicts");
        }
        port.patches = patches(root);
        port.build = build(root);
        port.test = string(root, "test", false, "the port");
        // From 1980 (zip's epoch, the earliest many formats hold) to 9999.
        if (auto epoch = integer(root, "source-date-epoch", 315532800, 253402300799, "the port")) {
            port.source_date_epoch = *epoch;
        }
        std::vector<json::Span> spans;
        port.config_files = strings(root, "config-files", "the port", &spans);
        for (size_t i = 0; i < port.config_files.size(); ++i) {
            if (auto problem = check_relative_path(port.config_files[i])) {
                p_.error(spans[i], "bad configuration file path: {}", *problem);
            }
        }
        spans.clear();
        port.setuid_files = strings(root, "setuid", "the port", &spans);
        for (size_t i = 0; i < port.setuid_files.size(); ++i) {
            if (auto problem = check_relative_path(port.setuid_files[i])) {
                p_.error(spans[i], "bad setuid file path: {}", *problem);
            }
        }
    }

private:
    ProblemList& p_;
};

}  // namespace

PortRead read_port(const fs::path& dir) {
    PortRead result;
    Port port;
    port.dir = dir;
    port.category = dir.parent_path().filename().string();
    port.manifest = dir / "port.json";
    ProblemList problems(port.manifest.string(), result.problems);
    try {
        port.text = read_text_file(port.manifest, "the manifest");
    } catch (const Error& e) {
        problems.error({}, "{}", e.what());
        return result;
    }
    Value root;
    try {
        root = json::parse(port.manifest.string(), port.text);
    } catch (const FileError& e) {
        result.problems.push_back(Problem{Level::error, e.file(), e.line(), e.column(), e.detail()});
        return result;
    }
    if (root.type != Type::object) {
        problems.error(root.span, "the manifest must be a JSON object");
        return result;
    }
    ManifestReader reader(problems);
    reader.port(root, port);
    result.port = std::move(port);
    return result;
}

std::string Port::full_version() const {
    std::string out = epoch.empty() ? version : epoch + ":" + version;
    return out + "-" + release;
}

std::vector<const Dependency*> Port::depends_of(DependencyKind kind) const {
    std::vector<const Dependency*> out;
    for (const auto& d : depends) {
        if (d.kind == kind) out.push_back(&d);
    }
    return out;
}

std::vector<const Dependency*> Port::counted_depends() const {
    std::vector<const Dependency*> out;
    std::set<std::pair<std::string, DependencyKind>> seen;
    auto add = [&](const Dependency& d) {
        if (seen.emplace(d.name, d.kind).second) out.push_back(&d);
    };
    for (const auto& d : depends) add(d);
    for (const auto& s : sources) {
        for (const auto& a : s.alternatives) {
            for (const auto& d : a.host_depends) add(d);
        }
    }
    return out;
}

std::string Port::expand(const std::string& templ) const {
    std::vector<std::string> parts;
    size_t start = 0;
    while (parts.size() < 3) {
        size_t dot = version.find('.', start);
        parts.push_back(version.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    while (parts.size() < 3) parts.emplace_back();
    std::string out;
    for (size_t i = 0; i < templ.size(); ++i) {
        if (templ[i] != '{') {
            out += templ[i];
            continue;
        }
        size_t close = templ.find('}', i);
        if (close == std::string::npos) {
            out += templ.substr(i);
            break;
        }
        std::string key = templ.substr(i + 1, close - i - 1);
        if (key == "name") out += name;
        else if (key == "version") out += version;
        else if (key == "major") out += parts[0];
        else if (key == "minor") out += parts[1];
        else if (key == "patch") out += parts[2];
        else out += templ.substr(i, close - i + 1);
        i = close;
    }
    return out;
}

}  // namespace pkg
