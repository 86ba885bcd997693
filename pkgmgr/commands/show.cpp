// pkg show PORT: a port's details. (pkg info is kept for installed packages.)

#include <nlohmann/json.hpp>

#include "command.hpp"
#include "context.hpp"
#include "pkg/port/port_hash.hpp"
#include "output/fields.hpp"
#include "ports_view.hpp"

namespace pkgmgr {
namespace {

std::vector<std::string> names(const std::vector<pkg::Dependency>& deps) {
    std::vector<std::string> out;
    for (const auto& d : deps) out.push_back(d.str());
    return out;
}

std::vector<std::string> names(const std::vector<const pkg::Dependency*>& deps) {
    std::vector<std::string> out;
    for (const auto* d : deps) out.push_back(d->str());
    return out;
}

const char* unpack_text(const pkg::UnpackRule& rule, std::string& scratch) {
    switch (rule.mode) {
        case pkg::UnpackRule::Mode::none: return "no";
        case pkg::UnpackRule::Mode::directory: scratch = "top directory " + rule.directory; return scratch.c_str();
        case pkg::UnpackRule::Mode::strip: scratch = "strip " + std::to_string(rule.strip); return scratch.c_str();
    }
    return "";
}

class ShowCommand final : public Command {
public:
    std::string_view name() const override { return "show"; }
    std::string_view summary() const override { return "Show a port's details"; }
    void describe(OptionSink& options) override {
        options.positional_list("PORT", ports_, "Ports to show", true);
    }
    int run(Context& context) override {
        PortsView view(context.config);
        pkg::PortHasher hasher(view.resolver());
        nlohmann::ordered_json all = nlohmann::ordered_json::array();
        bool first = true;
        for (const auto& name : ports_) {
            const pkg::Port& port = view.tree().get(name);
            std::string hash = hasher.hash(port);
            if (context.json()) {
                all.push_back(to_json(port, hash));
                continue;
            }
            if (!first) context.out << '\n';
            first = false;
            print(context.out, port, hash);
        }
        if (context.json()) context.print_json({{"ports", all}});
        return 0;
    }

private:
    static void print(std::ostream& out, const pkg::Port& port, const std::string& hash) {
        auto field = [&](std::string_view label, const std::string& value) { print_field(out, label, value, 16); };
        field("Name", port.name);
        field("Version", port.full_version());
        field("Category", port.category);
        field("Summary", port.summary);
        field("License", port.license);
        if (!port.homepage.empty()) field("Homepage", port.homepage);
        for (auto kind : {pkg::DependencyKind::host, pkg::DependencyKind::build, pkg::DependencyKind::run,
                          pkg::DependencyKind::check}) {
            field(fmt::format("Depends ({})", pkg::kind_name(kind)), join_or_none(names(port.depends_of(kind))));
        }
        field("Provides", join_or_none(names(port.provides)));
        field("Conflicts", join_or_none(names(port.conflicts)));
        std::vector<std::string> patches;
        for (const auto& p : port.patches) patches.push_back(fmt::format("{} (-p{})", p.file, p.strip));
        field("Patches", join_or_none(patches));
        field("Build style", port.build.style);
        if (!port.test.empty()) field("Test", port.test);
        field("Config files", join_or_none(port.config_files));
        for (const auto& s : port.sources) {
            std::string scratch;
            field("Source", port.expand(s.file));
            for (const auto& url : s.urls) field("  URL", port.expand(url));
            field(fmt::format("  {}", pkg::digest_name(s.algorithm)), s.digest);
            if (s.size) field("  Size", std::to_string(*s.size));
            field("  Unpack", unpack_text(s.unpack, scratch));
            for (const auto& a : s.alternatives) {
                field("  Alternative", fmt::format("Debian {} {}: {}", a.debian.source, a.debian.version, a.debian.file));
                field(fmt::format("    {}", pkg::digest_name(a.algorithm)), a.digest);
                if (!a.prepare.empty()) field("    Prepare", a.prepare);
            }
        }
        field("Directory", display_path(port.dir));
        field("Port hash", hash);
    }

    static nlohmann::ordered_json to_json(const pkg::Port& port, const std::string& hash) {
        nlohmann::ordered_json depends = nlohmann::ordered_json::object();
        for (auto kind : {pkg::DependencyKind::host, pkg::DependencyKind::build, pkg::DependencyKind::run,
                          pkg::DependencyKind::check}) {
            depends[pkg::kind_name(kind)] = names(port.depends_of(kind));
        }
        nlohmann::ordered_json sources = nlohmann::ordered_json::array();
        for (const auto& s : port.sources) {
            std::vector<std::string> urls;
            for (const auto& u : s.urls) urls.push_back(port.expand(u));
            nlohmann::ordered_json alternatives = nlohmann::ordered_json::array();
            for (const auto& a : s.alternatives) {
                alternatives.push_back({{"debian", {{"source", a.debian.source},
                                                    {"version", a.debian.version},
                                                    {"file", a.debian.file}}},
                                        {pkg::digest_name(a.algorithm), a.digest},
                                        {"prepare", a.prepare}});
            }
            nlohmann::ordered_json size = s.size ? nlohmann::ordered_json(*s.size) : nlohmann::ordered_json();
            sources.push_back({{"file", port.expand(s.file)},
                               {"urls", urls},
                               {pkg::digest_name(s.algorithm), s.digest},
                               {"size", size},
                               {"alternatives", alternatives}});
        }
        nlohmann::ordered_json patches = nlohmann::ordered_json::array();
        for (const auto& p : port.patches) patches.push_back({{"file", p.file}, {"strip", p.strip}});
        return {{"name", port.name},
                {"version", port.full_version()},
                {"category", port.category},
                {"summary", port.summary},
                {"license", port.license},
                {"homepage", port.homepage},
                {"depends", depends},
                {"provides", names(port.provides)},
                {"conflicts", names(port.conflicts)},
                {"patches", patches},
                {"build", {{"style", port.build.style},
                           {"configure", port.build.configure},
                           {"make", port.build.make},
                           {"install", port.build.install}}},
                {"test", port.test},
                {"config-files", port.config_files},
                {"sources", sources},
                {"directory", port.dir.string()},
                {"hash", hash}};
    }

    std::vector<std::string> ports_;
};

const CommandRegistration registration([] { return std::make_unique<ShowCommand>(); });

}  // namespace
}  // namespace pkgmgr
