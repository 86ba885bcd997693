#include "pkg/lint.hpp"

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
        resolver.resolve(d, port);
    } catch (const FileError& e) {
        problems.error(d.span, "'{}' resolves to a broken port: {}", d.name, e.what());
    } catch (const Error& e) {
        problems.error(d.span, "{}", e.what());
    }
}

void check_patches(const Port& port, ProblemList& problems) {
    std::set<std::string> listed;
    auto check_listed = [&](const PatchRef& ref) {
        listed.insert(ref.file);
        if (!fs::is_regular_file(port.dir / "patches" / ref.file)) {
            problems.error(ref.span, "patch '{}' is listed but patches/{} does not exist", ref.file, ref.file);
        }
    };
    for (const auto& ref : port.patches) check_listed(ref);
    for (const auto& source : port.sources) {
        for (const auto& alt : source.alternatives) {
            for (const auto& ref : alt.patches) check_listed(ref);
        }
    }
    std::error_code ec;
    fs::path dir = port.dir / "patches";
    if (!fs::is_directory(dir, ec)) return;
    std::set<std::string> present;
    for (const auto& entry : fs::directory_iterator(dir, ec)) present.insert(entry.path().filename().string());
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
    for (const auto& d : port.depends) check_dependency(resolver, port, d, problems);
    for (const auto& source : port.sources) {
        for (const auto& alt : source.alternatives) {
            for (const auto& d : alt.host_depends) check_dependency(resolver, port, d, problems);
        }
    }
    for (const auto& c : port.conflicts) {
        if (c.name == port.name) problems.error(c.span, "{} conflicts with itself", port.name);
    }
    check_patches(port, problems);
    bool has_script = fs::is_regular_file(port.dir / "build");
    if (port.build.style == "custom" && !has_script) {
        problems.error({}, "the custom build style needs a 'build' script beside port.json");
    }
    std::stable_sort(out.begin(), out.end(), [](const Problem& a, const Problem& b) {
        return std::tie(a.file, a.line, a.column) < std::tie(b.file, b.line, b.column);
    });
    return out;
}

}  // namespace pkg
