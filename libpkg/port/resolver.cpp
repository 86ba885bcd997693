#include "pkg/port/resolver.hpp"

#include <algorithm>

#include "pkg/error.hpp"

namespace pkg {

Resolver::Resolver(const PortsTree& tree, ResolveOptions options)
    : tree_(tree), options_(std::move(options)) {}

namespace {

std::string join(const std::vector<std::string>& items, const char* separator) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) out += separator;
        out += item;
    }
    return out;
}

// The version a provider offers for a virtual name: its own `=VERSION`, if any.
std::string provided_version(const Port& provider, const std::string& name) {
    for (const auto& p : provider.provides) {
        if (p.name == name) return p.constraint.version;
    }
    return "";
}

}  // namespace

Resolution Resolver::resolve(const Dependency& d, const Port& from) const {
    if (options_.assume_installed.count(d.name)) return Resolution{nullptr, "assume-installed"};
    if (tree_.find(d.name)) {
        const Port& port = tree_.get(d.name);  // throws for a broken manifest
        if (!d.constraint.satisfied_by(port.full_version())) {
            throw DependencyError("{} needs {}, but port {} is {}", from.name, d.str(), port.name,
                                  port.full_version());
        }
        return Resolution{&port, "port"};
    }
    std::vector<std::string> candidates;
    for (const auto& name : tree_.providers(d.name)) {
        const Port& provider = tree_.get(name);
        if (d.constraint.op == Constraint::Op::any) {
            candidates.push_back(name);
            continue;
        }
        std::string version = provided_version(provider, d.name);
        if (!version.empty() && d.constraint.satisfied_by(version)) candidates.push_back(name);
    }
    if (candidates.empty()) {
        auto all = tree_.providers(d.name);
        if (!all.empty()) {
            throw DependencyError("{} needs {}, but no provider meets it (provided by: {})", from.name,
                                  d.str(), join(all, ", "));
        }
        throw with_hint(DependencyError("{} needs {}, but nothing provides '{}'", from.name, d.str(), d.name),
                        "add a port, or list the name in pkg.conf's assume-installed if the host has it");
    }
    if (candidates.size() > 1) {
        auto chosen = options_.providers.find(d.name);
        if (chosen == options_.providers.end()) {
            throw with_hint(DependencyError("{} needs {}, which several ports provide: {}", from.name, d.str(),
                                            join(candidates, ", ")),
                            fmt::format("choose one in pkg.conf: provider.{} = PORT", d.name));
        }
        if (std::find(candidates.begin(), candidates.end(), chosen->second) == candidates.end()) {
            throw DependencyError("pkg.conf chooses {} to provide {}, but it does not (providers: {})",
                                  chosen->second, d.str(), join(candidates, ", "));
        }
        return Resolution{&tree_.get(chosen->second), "provider"};
    }
    return Resolution{&tree_.get(candidates[0]), "provider"};
}

std::vector<const Port*> Resolver::closure(std::vector<const Port*> pending) const {
    std::set<const Port*> seen;
    while (!pending.empty()) {
        const Port* port = pending.back();
        pending.pop_back();
        if (!seen.insert(port).second) continue;
        for (const Dependency* d : port->depends_of(DependencyKind::run)) {
            if (const Port* p = resolve(*d, *port).port) pending.push_back(p);
        }
    }
    std::vector<const Port*> out(seen.begin(), seen.end());
    std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->name < b->name; });
    return out;
}

std::vector<const Port*> Resolver::build_closure(const Port& port) const {
    std::vector<const Port*> start;
    for (const Dependency* d : port.counted_depends()) {
        if (d->kind != DependencyKind::host && d->kind != DependencyKind::build) continue;
        if (const Port* p = resolve(*d, port).port) start.push_back(p);
    }
    return closure(start);
}

std::vector<const Port*> Resolver::run_closure(const Port& port) const {
    std::vector<const Port*> start;
    for (const Dependency* d : port.depends_of(DependencyKind::run)) {
        if (const Port* p = resolve(*d, port).port) start.push_back(p);
    }
    return closure(start);
}

// A depth-first post-order kept on an explicit stack, so that a chain of any
// depth is ordered without deep recursion.
std::vector<const Port*> Resolver::build_order(const std::vector<const Port*>& targets) const {
    enum class State { visiting, done };
    std::map<const Port*, State> state;
    struct Frame {
        const Port* port;
        std::vector<const Dependency*> depends;  // what counts, alternatives' host dependencies included
        std::size_t next = 0;                     // the next of them to visit
    };
    std::vector<Frame> stack;
    std::vector<const Port*> order;
    auto enter = [&](const Port* port) {
        auto it = state.find(port);
        if (it == state.end()) {
            state[port] = State::visiting;
            stack.push_back({port, port->counted_depends()});
            return;
        }
        if (it->second == State::done) return;
        std::string cycle;
        auto from = std::find_if(stack.begin(), stack.end(), [&](const Frame& f) { return f.port == port; });
        for (auto i = from; i != stack.end(); ++i) cycle += i->port->name + " -> ";
        throw DependencyError("dependency cycle: {}{}", cycle, port->name);
    };
    for (const Port* target : targets) {
        enter(target);
        while (!stack.empty()) {
            Frame& top = stack.back();
            if (top.next < top.depends.size()) {
                const Dependency& d = *top.depends[top.next++];
                if (d.kind == DependencyKind::check) continue;
                if (const Port* p = resolve(d, *top.port).port) enter(p);  // itself: a cycle
                continue;
            }
            state[top.port] = State::done;
            order.push_back(top.port);
            stack.pop_back();
        }
    }
    return order;
}

std::vector<const Port*> Resolver::reverse_dependencies(const std::string& name) const {
    std::vector<const Port*> out;
    for (const auto& candidate : tree_.names()) {
        const PortRead* read = tree_.find(candidate);
        if (!read->port) continue;  // unreadable: lint's business
        const Port& port = *read->port;
        for (const Dependency* d : port.counted_depends()) {
            const Port* target = nullptr;
            try {
                target = resolve(*d, port).port;
            } catch (const Error&) {
                continue;  // unresolvable: lint's business, not a reverse dependency
            }
            if (target && target->name == name) {
                out.push_back(&port);
                break;
            }
        }
    }
    return out;
}

}  // namespace pkg
