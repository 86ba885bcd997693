// pkg bump PORT VERSION: the maintainer's one command for a new upstream
// release. Sets the version, resets the release to 1, finds the Debian
// alternative of the new version (Debian's versions and file names cannot
// be derived by a template), downloads everything, pins the new digests and
// sizes, lints the port, and prints what changed. Only the values it changes
// are edited; the rest of port.json stays as it was, byte for byte.

#include <nlohmann/json.hpp>

#include <ctime>

#include "command.hpp"
#include "context.hpp"
#include "fetch_view.hpp"
#include "output/escape.hpp"
#include "pkg/error.hpp"
#include "pkg/port/lint.hpp"
#include "pkg/port/port_editor.hpp"
#include "pkg/port/resolver.hpp"
#include "pkg/version.hpp"
#include "ports_view.hpp"
#include "source_pins.hpp"

namespace pkgmgr {
namespace {

// "1:1.2.13.dfsg-1" -> "1.2.13.dfsg": a Debian version's upstream part.
std::string upstream_part(const std::string& debian_version) {
    std::string v = debian_version;
    if (size_t colon = v.find(':'); colon != std::string::npos) v = v.substr(colon + 1);
    if (size_t dash = v.rfind('-'); dash != std::string::npos) v = v.substr(0, dash);
    return v;
}

// Whether Debian's upstream part is upstream's `version`, perhaps repacked:
// "1.5.4+dfsg2", "1.2.13.dfsg" and "4.3" all match their plain versions.
bool same_upstream(const std::string& debian_upstream, const std::string& version) {
    if (debian_upstream == version) return true;
    if (!debian_upstream.starts_with(version) || debian_upstream.size() == version.size()) return false;
    char next = debian_upstream[version.size()];
    if (next == '+' || next == '~') return true;
    return next == '.' && debian_upstream.size() > version.size() + 1 &&
           std::isalpha(static_cast<unsigned char>(debian_upstream[version.size() + 1]));
}

// The main orig tarball of `source` in a version's files (not a component's orig-NAME).
std::optional<std::string> orig_file(const pkg::DebianOrigin::ListedVersion& v, const std::string& source) {
    std::string prefix = source + "_" + upstream_part(v.version) + ".orig.tar.";
    for (const auto& f : v.files) {
        if (f.name.starts_with(prefix) && f.name.find('/') == std::string::npos) return f.name;
    }
    return std::nullopt;
}

class BumpCommand final : public Command {
public:
    std::string_view name() const override { return "bump"; }
    std::string_view summary() const override { return "Move a port to a new upstream version and pin its sources"; }
    void describe(OptionSink& options) override {
        options.positional("PORT", port_, "The port", true);
        options.positional("VERSION", version_, "The new upstream version", true);
    }

    int run(Context& context) override {
        PortsView view(context.config);
        const pkg::Port& old = view.tree().get(port_);
        if (version_.empty() || version_.find_first_of("-: \t/") != std::string::npos) {
            throw pkg::UsageError("'{}' is not an upstream version (no '-', ':', '/' or spaces)", version_);
        }
        if (version_ == old.version) throw pkg::UsageError("{} is at version {} already", old.name, version_);
        if (pkg::vercmp(version_, old.version) < 0) {
            context.events.message({pkg::Level::warning, fmt::format("{} is older than {}'s version {}", version_,
                                                                      old.name, old.version)});
        }
        pkg::PortEditor editor(old.manifest, old.text);
        editor.set_version(version_);
        editor.set_release(1);
        // What the new version's builds stamp as their time: the bump's own,
        // pinned in the port so every build of it is the same.
        editor.set_source_date_epoch(static_cast<std::int64_t>(std::time(nullptr)));
        nlohmann::ordered_json debian_changes = nlohmann::ordered_json::array();
        std::shared_ptr<pkg::DebianOrigin> debian;
        for (std::size_t i = 0; i < old.sources.size(); ++i) {
            for (std::size_t j = 0; j < old.sources[i].alternatives.size(); ++j) {
                const pkg::DebianArtifact& was = old.sources[i].alternatives[j].debian;
                if (!debian) debian = debian_origin(context.config, context.events);
                auto versions = debian->versions(was.source);  // newest first
                std::optional<pkg::DebianArtifact> found;
                std::string listed;
                for (const auto& v : versions) {
                    listed += (listed.empty() ? "" : ", ") + v.version;
                    if (found || !same_upstream(upstream_part(v.version), version_)) continue;
                    if (auto file = orig_file(v, was.source)) found = pkg::DebianArtifact{was.source, v.version, *file};
                }
                if (!found) {
                    throw pkg::with_hint(
                        pkg::VerificationError("Debian lists no version of {} for {} {} (listed: {})", was.source,
                                               old.name, version_, listed.empty() ? "none" : listed),
                        "remove the alternative from port.json, or bump once Debian has the new version");
                }
                editor.set_debian(i, static_cast<int>(j), *found);
                debian_changes.push_back({{"source", was.source},
                                          {"from", was.version + " " + was.file},
                                          {"to", found->version + " " + found->file}});
            }
        }
        // The new text goes in place so that the port is read as it will be;
        // on any failure the old text is put back.
        editor.save();
        try {
            return finish(context, old, debian_changes);
        } catch (...) {
            pkg::PortEditor(old.manifest, old.text).save();
            throw;
        }
    }

private:
    int finish(Context& context, const pkg::Port& old, const nlohmann::ordered_json& debian_changes) {
        pkg::PortRead read = pkg::read_port(old.dir);
        if (!read.port) throw pkg::Error("{}: the bumped manifest cannot be read", old.manifest.string());
        nlohmann::ordered_json pins = pin_sources(context, {&*read.port}, true);
        // Lint as `pkg lint` does, over the tree as it now is.
        PortsView view(context.config);
        const pkg::PortRead* now = view.tree().find(old.name);
        std::vector<pkg::Problem> problems = pkg::lint_port(view.resolver(), *now);
        int errors = 0;
        for (const auto& p : problems) {
            if (p.level == pkg::Level::error) ++errors;
            context.events.message({p.level, shorten_paths(p.str())});
        }
        if (errors > 0) throw pkg::ProblemsFound("{} does not pass lint after the bump", old.name);
        if (context.json()) {
            context.print_json({{"port", old.name},
                                {"version", {{"from", old.full_version()}, {"to", read.port->full_version()}}},
                                {"debian", debian_changes},
                                {"pinned", pins}});
            return 0;
        }
        context.out << old.name << ' ' << old.full_version() << " -> " << read.port->full_version() << '\n';
        for (const auto& d : debian_changes) {
            context.out << "debian " << d["source"].get<std::string>() << ": " << d["from"].get<std::string>()
                        << " -> " << d["to"].get<std::string>() << '\n';
        }
        print_pins(context.out, pins);
        return 0;
    }

    std::string port_, version_;
};

const CommandRegistration registration([] { return std::make_unique<BumpCommand>(); });

}  // namespace
}  // namespace pkgmgr
