// pkg deps: dependencies of ports, build orders, trees and reverse dependencies.

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "command.hpp"
#include "context.hpp"
#include "pkg/error.hpp"
#include "pkg/port/profile.hpp"
#include "ports_view.hpp"

namespace pkgmgr {
namespace {

using Json = nlohmann::ordered_json;

class DepsCommand final : public Command {
public:
    std::string_view name() const override { return "deps"; }
    std::string_view summary() const override {
        return "Show dependencies: direct, a build order, a tree, or reverse";
    }
    void describe(OptionSink& options) override {
        options.positional_list("PORT", ports_, "Ports to start from", false);
        options.flag("--order", order_, "Print the build order of the ports and all they need");
        options.flag("--tree", tree_, "Print the dependency tree");
        options.flag("--reverse", reverse_, "Print the ports that depend on each PORT");
        options.option("--profile", profile_, "Start from a bootstrap profile's ports", "NAME");
        options.option("--stage", stage_, "With --profile: the ports of native stage N (1 or 2)", "N");
    }

    int run(Context& context) override {
        int modes = order_ + tree_ + reverse_;
        if (modes > 1) throw pkg::UsageError("--order, --tree and --reverse exclude each other");
        if (profile_.empty() && ports_.empty()) throw pkg::UsageError("name a PORT or a --profile");
        if (!profile_.empty() && !ports_.empty()) throw pkg::UsageError("give PORT... or --profile NAME, not both");
        if (!stage_.empty() && profile_.empty()) throw pkg::UsageError("--stage needs --profile");
        if (!profile_.empty() && (tree_ || reverse_)) throw pkg::UsageError("--profile goes with --order");
        PortsView view(context.config);
        std::vector<const pkg::Port*> targets = select(context, view);
        if (order_ || !profile_.empty()) return print_order(context, view, targets);
        if (tree_) return print_tree(context, view, targets);
        if (reverse_) return print_reverse(context, view, targets);
        return print_direct(context, view, targets);
    }

private:
    std::vector<const pkg::Port*> select(Context& context, const PortsView& view) {
        std::vector<std::string> names = ports_;
        if (!profile_.empty()) {
            int stage = 0;
            if (!stage_.empty()) {
                if (stage_ != "1" && stage_ != "2") throw pkg::UsageError("--stage must be 1 or 2, got '{}'", stage_);
                stage = std::stoi(stage_);
            }
            pkg::Profile profile = pkg::read_profile(context.config.profiles_dir, profile_);
            for (const auto& name : profile.ports) {
                if (view.tree().find(name)) continue;
                auto [line, column] = profile.positions.at(name);
                throw pkg::FileError(profile.file.string(), line, column, "no port named '{}'", name);
            }
            names = profile.ports_of(stage);
        }
        std::vector<const pkg::Port*> out;
        for (const auto& name : names) out.push_back(&view.tree().get(name));
        return out;
    }

    static std::string resolved_name(const pkg::Resolution& r, const pkg::Dependency& d) {
        if (!r.port) return d.str() + " (host)";
        if (r.port->name == d.name) return d.str();
        return d.str() + " (" + r.port->name + ")";
    }

    int print_direct(Context& context, const PortsView& view, const std::vector<const pkg::Port*>& targets) {
        Json all = Json::array();
        for (const pkg::Port* port : targets) {
            Json entry = {{"name", port->name}};
            Json deps = Json::array();
            if (!context.json() && targets.size() > 1) context.out << port->name << ":\n";
            for (const pkg::Dependency* dep : port->counted_depends()) {
                const pkg::Dependency& d = *dep;
                pkg::Resolution r = view.resolver().resolve(d, *port);
                Json resolved = r.port ? Json(r.port->name) : Json();
                deps.push_back({{"kind", pkg::kind_name(d.kind)},
                                {"depends", d.str()},
                                {"port", resolved},
                                {"via", r.via}});
                if (!context.json()) {
                    context.out << (targets.size() > 1 ? "  " : "") << pkg::kind_name(d.kind) << ' '
                                << resolved_name(r, d) << '\n';
                }
            }
            entry["depends"] = deps;
            all.push_back(entry);
        }
        if (context.json()) context.print_json({{"ports", all}});
        return 0;
    }

    int print_order(Context& context, const PortsView& view, const std::vector<const pkg::Port*>& targets) {
        auto order = view.resolver().build_order(targets);
        if (context.json()) {
            Json list = Json::array();
            for (const auto* p : order) list.push_back({{"name", p->name}, {"version", p->full_version()}});
            context.print_json({{"order", list}});
        } else {
            for (const auto* p : order) context.out << p->name << ' ' << p->full_version() << '\n';
        }
        return 0;
    }

    Json tree_of(Context& context, const PortsView& view, const pkg::Port& port, int depth,
                 std::vector<std::string>& path, std::set<std::string>& shown, std::ostream& text) {
        // Each level recurses here and in the JSON output: a bound keeps a
        // hostile chain (20,000 ports) from overflowing the stack.
        constexpr int kMaxTreeDepth = 1000;
        if (depth >= kMaxTreeDepth) {
            throw pkg::with_hint(pkg::DependencyError("the dependency tree is deeper than {} levels at {}",
                                                      kMaxTreeDepth, port.name),
                                 "'pkg deps --order' lists a chain of any depth");
        }
        Json children = Json::array();
        bool repeat = shown.count(port.name) > 0;
        shown.insert(port.name);
        path.push_back(port.name);
        for (const pkg::Dependency* dep : port.counted_depends()) {
            const pkg::Dependency& d = *dep;
            pkg::Resolution r = view.resolver().resolve(d, port);
            std::string indent(2 * (depth + 1), ' ');
            Json child = {{"kind", pkg::kind_name(d.kind)}, {"depends", d.str()}};
            if (!r.port) {
                child["port"] = nullptr;
                if (!context.json()) text << indent << pkg::kind_name(d.kind) << ' ' << d.str() << " (host)\n";
            } else if (std::find(path.begin(), path.end(), r.port->name) != path.end()) {
                child["port"] = r.port->name;
                child["cycle"] = true;
                if (!context.json()) text << indent << pkg::kind_name(d.kind) << ' ' << resolved_name(r, d) << " (cycle)\n";
            } else if (repeat || shown.count(r.port->name)) {
                child["port"] = r.port->name;
                child["repeated"] = true;
                if (!context.json()) text << indent << pkg::kind_name(d.kind) << ' ' << resolved_name(r, d) << " (see above)\n";
            } else {
                child["port"] = r.port->name;
                if (!context.json()) text << indent << pkg::kind_name(d.kind) << ' ' << resolved_name(r, d) << '\n';
                child["children"] = tree_of(context, view, *r.port, depth + 1, path, shown, text);
            }
            children.push_back(child);
        }
        path.pop_back();
        return children;
    }

    int print_tree(Context& context, const PortsView& view, const std::vector<const pkg::Port*>& targets) {
        // The text is printed whole at the end, so that an error (a tree too
        // deep) prints no partial tree.
        Json all = Json::array();
        std::set<std::string> shown;
        std::ostringstream text;
        for (const pkg::Port* port : targets) {
            if (!context.json()) text << port->name << ' ' << port->full_version() << '\n';
            std::vector<std::string> path;
            all.push_back({{"name", port->name}, {"children", tree_of(context, view, *port, 0, path, shown, text)}});
        }
        if (context.json()) context.print_json({{"tree", all}});
        else context.out << text.str();
        return 0;
    }

    int print_reverse(Context& context, const PortsView& view, const std::vector<const pkg::Port*>& targets) {
        Json all = Json::array();
        for (const pkg::Port* port : targets) {
            Json users = Json::array();
            if (!context.json() && targets.size() > 1) context.out << port->name << ":\n";
            for (const auto* user : view.resolver().reverse_dependencies(port->name)) {
                users.push_back(user->name);
                if (!context.json()) context.out << (targets.size() > 1 ? "  " : "") << user->name << '\n';
            }
            all.push_back({{"name", port->name}, {"required-by", users}});
        }
        if (context.json()) context.print_json({{"ports", all}});
        return 0;
    }

    std::vector<std::string> ports_;
    bool order_ = false;
    bool tree_ = false;
    bool reverse_ = false;
    std::string profile_;
    std::string stage_;
};

const CommandRegistration registration([] { return std::make_unique<DepsCommand>(); });

}  // namespace
}  // namespace pkgmgr
