#include "pkg/port/lint.hpp"

#include <algorithm>
#include <filesystem>
#include <tuple>
#include <set>

#include "pkg/error.hpp"

namespace pkg {
namespace fs = std::filesystem;

namespace {

void check_dependency(const Resolver& resolver, const Port& port, const Dependency& d,
                      ProblemList& problems) {
    if (d.name == port.name) {
        problems.error(d.span, "{} depends on itself", port.name);
        return;
    }
    try {
        if (resolver.resolve(d, port).port == &port) {
            problems.error(d.span, "{} depends on itself (it provides '{}')", port.name, d.name);
        }
    } catch (const FileError& e) {
        problems.error(d.span, "'{}' resolves to a broken port: {}", d.name, e.what());
    } catch (const Error& e) {
        problems.error(d.span, "{}", e.what());
    }
}

void check_patches(const Port& port, ProblemList& problems) {
    std::set<std::string> listed;  // anywhere: the port's list or an alternative's
    auto check_list = [&](const std::vector<PatchRef>& list) {
        std::set<std::string> in_this_list;
        for (const PatchRef& ref : list) {
            listed.insert(ref.file);
            if (!in_this_list.insert(ref.file).second) {
                problems.error(ref.span, "patch '{}' is listed twice", ref.file);
            }
            std::error_code ec;
            if (!fs::is_regular_file(fs::status(port.dir / "patches" / ref.file, ec))) {
                problems.error(ref.span, "patch '{}' is listed but patches/{} does not exist", ref.file, ref.file);
            }
        }
    };
    check_list(port.patches);
    for (const auto& source : port.sources) {
        for (const auto& alt : source.alternatives) check_list(alt.patches);
    }
    std::error_code ec;
    fs::path dir = port.dir / "patches";
    if (!fs::is_directory(dir, ec)) return;
    std::set<std::string> present;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        present.insert(it->path().filename().string());
    }
    if (ec) problems.add(Level::error, {}, fmt::format("cannot read patches/: {}", ec.message()));
    for (const auto& name : present) {
        if (!listed.count(name)) {
            problems.add(Level::error, {}, fmt::format("patches/{} is not listed in 'patches'", name));
        }
    }
}

}  // namespace

std::vector<Problem> lint_port(const Resolver& resolver, const PortRead& read) {
    std::vector<Problem> out = read.problems;
    if (!read.port) return out;
    const Port& port = *read.port;
    ProblemList problems(port.manifest.string(), out);
    std::set<std::pair<DependencyKind, std::string>> seen;
    for (const auto& d : port.depends) {
        if (!seen.insert({d.kind, d.name}).second) {
            problems.error(d.span, "'{}' is listed twice among the {} dependencies", d.name, kind_name(d.kind));
        }
        check_dependency(resolver, port, d, problems);
    }
    for (const auto& source : port.sources) {
        for (const auto& alt : source.alternatives) {
            for (const auto& d : alt.host_depends) check_dependency(resolver, port, d, problems);
        }
    }
    for (const auto& c : port.conflicts) {
        if (c.name == port.name) problems.error(c.span, "{} conflicts with itself", port.name);
    }
    check_patches(port, problems);
    std::error_code ec;
    bool has_script = fs::is_regular_file(fs::status(port.dir / "build", ec));
    if (port.build.style == "custom" && !has_script) {
        problems.error({}, "the custom build style needs a 'build' script beside port.json");
    }
    std::stable_sort(out.begin(), out.end(), [](const Problem& a, const Problem& b) {
        return std::tie(a.file, a.line, a.column) < std::tie(b.file, b.line, b.column);
    });
    return out;
}

}  // namespace pkg
