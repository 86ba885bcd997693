// What a transaction removes: the packages asked for; with --cascade, every
// installed package that would lose a dependency through them, repeatedly;
// with autoremove, every automatic package that nothing kept needs any more
// (held ones stay), as pacman -Rs and apk's orphan removal do.

#include <algorithm>

#include "context.hpp"

namespace pkg::plan {
namespace {

// The packages afterwards if `removed` go: installed ones that stay (those
// given anew replaced by what is given) and the new ones.
Packages remaining(const Context& c, const std::set<std::string>& removed) {
    Packages out = before(c);
    for (const auto& name : removed) out.erase(name);
    for (const auto& m : c.request.install) {
        out[m.name] = {m.version + "-" + m.release, m.depends, m.provides, m.conflicts, true};
    }
    return out;
}

void cascade(Context& c, std::set<std::string>& removed) {
    Packages was = before(c);
    std::set<std::string> given;
    for (const auto& m : c.request.install) given.insert(m.name);
    for (bool grew = true; grew;) {
        grew = false;
        Packages after = remaining(c, removed);
        for (const auto& [name, p] : c.installed.packages) {
            if (removed.count(name) || given.count(name)) continue;
            for (const auto& text : p.depends) {
                auto d = parse(text);
                if (d && met_by(was, *d, c.request) && !met_by(after, *d, c.request)) {
                    removed.insert(name);
                    c.removals.push_back(name);
                    grew = true;
                    break;
                }
            }
        }
    }
}

void orphans(Context& c, std::set<std::string>& removed) {
    Packages after = remaining(c, removed);
    // Everything needed, from what is kept for its own sake.
    std::set<std::string> needed;
    std::vector<std::string> work;
    for (const auto& [name, p] : after) {
        auto installed = c.installed.packages.find(name);
        bool automatic = installed != c.installed.packages.end() && !p.is_new &&
                         installed->second.reason == db::Reason::automatic && !installed->second.held;
        if (!automatic && needed.insert(name).second) work.push_back(name);
    }
    while (!work.empty()) {
        std::string name = work.back();
        work.pop_back();
        for (const auto& text : after.at(name).depends) {
            auto d = parse(text);
            if (!d) continue;
            for (const auto& [other, q] : after) {
                if (meets(other, q, *d) && needed.insert(other).second) work.push_back(other);
            }
        }
    }
    for (const auto& [name, p] : after) {
        if (!needed.count(name)) {
            removed.insert(name);
            c.removals.push_back(name);
        }
    }
}

}  // namespace

void select_removals(Context& c) {
    c.removals = c.request.remove;
    std::set<std::string> removed;
    for (const auto& name : c.request.remove) {
        if (c.installed.packages.count(name)) removed.insert(name);
    }
    if (c.request.cascade) cascade(c, removed);
    if (c.request.autoremove) orphans(c, removed);
}

}  // namespace pkg::plan
