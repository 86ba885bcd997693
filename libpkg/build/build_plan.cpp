// Planning builds (DESIGN.md, "Plan, then commit"): which ports a `pkg
// install PORT` or `pkg build PORT` touches, in dependency order, and what
// each needs: nothing, a package of the binary cache, or a build.

#include "pkg/build/build_plan.hpp"

#include <set>

#include "pkg/error.hpp"

namespace pkg {
namespace {

class Planner {
public:
    Planner(const Resolver& resolver, PortHasher& hasher, const BuildSettings& settings,
            const BuildPlanRequest& request,
            const std::function<std::optional<Toolchain>(const Port&)>& toolchain_for)
        : host_(resolver),
          root_(resolver.tree(), root_options(resolver, request)),
          hasher_(hasher),
          settings_(settings),
          request_(request),
          toolchain_for_(toolchain_for) {}

    std::vector<BuildStep> plan() {
        resolver_checks();
        for (const Port* target : request_.targets) {
            targets_.insert(target->name);
            visit(*target, request_.install_targets, request_.install_targets);
        }
        return std::move(steps_);
    }

private:
    // assume-installed stands for the host: it meets a run or build
    // dependency only when the root is the host (DESIGN.md).
    static ResolveOptions root_options(const Resolver& resolver, const BuildPlanRequest& request) {
        ResolveOptions options = resolver.options();
        if (!request.root_is_host) options.assume_installed.clear();
        return options;
    }

    void resolver_checks() {
        // The whole order once, so that a cycle is reported as the resolver words it.
        (void)host_.build_order(request_.targets);
    }

    BuildStep* step_of(const std::string& name) {
        for (auto& s : steps_) {
            if (s.port->name == name) return &s;
        }
        return nullptr;
    }

    void visit(const Port& port, bool install, bool explicit_) {
        if (BuildStep* done = step_of(port.name)) {
            // Needed again, in the root now: install what was only built.
            done->install = done->install || install;
            done->explicit_ = done->explicit_ || explicit_;
            if (install && done->action != BuildStep::Action::installed) needs_run_depends(port);
            return;
        }
        if (!visiting_.insert(port.name).second) return;  // a run-time cycle: the order is the resolver's
        BuildStep step;
        step.port = &port;
        step.port_hash = hasher_.hash(port);
        step.install = install;
        step.explicit_ = explicit_;
        bool target = targets_.count(port.name) > 0;
        auto installed = request_.installed.find(port.name);
        bool in_root = installed != request_.installed.end();
        bool up_to_date = in_root && (!target || installed->second.port_hash == step.port_hash);
        if (install && up_to_date) {
            step.action = BuildStep::Action::installed;
        } else {
            step.upgrade = install && in_root;
            needs_build_depends(port);
            std::optional<Toolchain> toolchain = toolchain_for_(port);
            std::optional<BuildResult> built;
            if (toolchain && !(request_.rebuild && target)) built = find_built(settings_, port, step.port_hash, *toolchain);
            if (built) {
                step.action = BuildStep::Action::reuse;
                step.package = built->package;
            }
        }
        if (install && step.action != BuildStep::Action::installed) needs_run_depends(port);
        visiting_.erase(port.name);
        steps_.push_back(std::move(step));
    }

    // A build needs its host tools on the build machine and its build
    // dependencies (and what they need to run) in the root.
    void needs_build_depends(const Port& port) {
        for (const Dependency* d : port.counted_depends()) {
            if (d->kind != DependencyKind::host) continue;
            Resolution r = host_.resolve(*d, port);
            if (!r.port) continue;  // assume-installed
            bool on_host = request_.root_is_host && request_.installed.count(r.port->name);
            if (!on_host) {
                throw with_hint(DependencyError("{} needs the host tool {}, which the build machine lacks "
                                                "(pkg never installs into / on its own)",
                                                port.name, d->str()),
                                "install it on the build machine (pkg --root / install " + r.port->name +
                                    "), or list it in pkg.conf's assume-installed if the host has it");
            }
        }
        for (const Dependency* d : port.depends_of(DependencyKind::build)) {
            Resolution r = root_.resolve(*d, port);
            if (r.port) visit(*r.port, true, false);
        }
    }

    void needs_run_depends(const Port& port) {
        for (const Dependency* d : port.depends_of(DependencyKind::run)) {
            Resolution r = root_.resolve(*d, port);
            if (r.port) visit(*r.port, true, false);
        }
    }

    const Resolver& host_;
    Resolver root_;
    PortHasher& hasher_;
    const BuildSettings& settings_;
    const BuildPlanRequest& request_;
    const std::function<std::optional<Toolchain>(const Port&)>& toolchain_for_;
    std::set<std::string> targets_, visiting_;
    std::vector<BuildStep> steps_;
};

}  // namespace

const char* build_action_name(BuildStep::Action action) {
    switch (action) {
        case BuildStep::Action::installed: return "installed";
        case BuildStep::Action::reuse: return "reuse";
        case BuildStep::Action::build: return "build";
    }
    return "build";
}

std::vector<OutdatedPort> outdated_ports(const PortsTree& tree, PortHasher& hasher,
                                         const std::map<std::string, InstalledPort>& installed) {
    std::vector<OutdatedPort> out;
    for (const auto& [name, package] : installed) {
        const PortRead* read = tree.find(name);
        if (!read || !read->ok()) continue;
        const Port& port = *read->port;
        bool version_changed = port.full_version() != package.version;
        bool hash_changed = !package.port_hash.empty() && hasher.hash(port) != package.port_hash;
        if (version_changed || hash_changed) out.push_back({name, package.version, port.full_version(), version_changed});
    }
    return out;
}

std::vector<BuildStep> plan_builds(const Resolver& resolver, PortHasher& hasher, const BuildSettings& settings,
                                   const BuildPlanRequest& request,
                                   const std::function<std::optional<Toolchain>(const Port&)>& toolchain_for) {
    return Planner(resolver, hasher, settings, request, toolchain_for).plan();
}

}  // namespace pkg
