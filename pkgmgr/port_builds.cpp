#include "port_builds.hpp"

#include <optional>

#include <nlohmann/json.hpp>

#include "fetch_view.hpp"
#include "pkg/build/build_plan.hpp"
#include "pkg/build/reproducible.hpp"
#include "pkg/error.hpp"
#include "pkg/package/package_io.hpp"
#include "ports_view.hpp"
#include "transaction_view.hpp"

namespace pkgmgr {
namespace {

namespace fs = std::filesystem;

pkg::BuildSettings build_settings(const pkg::Config& config, const PortBuildOptions& options) {
    pkg::BuildSettings s;
    s.build_dir = config.build_dir;
    s.packages_dir = config.packages_dir;
    s.sysroot = config.root;
    s.jobs = config.jobs;
    s.cflags = config.cflags;
    s.cxxflags = config.cxxflags;
    s.ldflags = config.ldflags;
    s.timeout = std::chrono::seconds(config.build_timeout);
    s.sandbox = options.sandbox;
    s.keep = options.keep;
    return s;
}

pkg::ToolchainRequest toolchain_request(const pkg::Config& config, const PortBuildOptions& options,
                                        const pkg::Port& port) {
    pkg::ToolchainRequest r;
    r.target = config.target;
    r.sysroot_host = config.root;
    // In the sandbox the root is always seen at /sysroot, so that its
    // location never ends up in what is built.
    r.sysroot_seen = options.sandbox ? fs::path("/sysroot") : config.root;
    r.directory = config.build_dir / "toolchains";
    r.build_toolchain = port.build.build_toolchain;
    return r;
}

std::string step_line(const pkg::BuildStep& s) {
    std::string what = s.action == pkg::BuildStep::Action::installed ? "installed"
                       : s.action == pkg::BuildStep::Action::reuse   ? "reuse"
                                                                     : "build";
    std::string line = what + " " + s.port->name + " " + s.port->full_version();
    if (s.action != pkg::BuildStep::Action::installed && s.install) {
        line += s.upgrade ? ", then upgrade" : ", then install";
        line += s.explicit_ ? "" : " (as a dependency)";
    }
    return line;
}

nlohmann::ordered_json steps_json(const std::vector<pkg::BuildStep>& steps) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto& s : steps) {
        list.push_back({{"port", s.port->name},
                        {"version", s.port->full_version()},
                        {"action", pkg::build_action_name(s.action)},
                        {"install", s.install && s.action != pkg::BuildStep::Action::installed},
                        {"explicit", s.explicit_},
                        {"package", s.package.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(s.package.string())}});
    }
    return list;
}

}  // namespace

int build_and_install(Context& context, const std::vector<std::string>& names, const PortBuildOptions& options) {
    const pkg::Config& config = context.config;
    if (!options.sandbox) {
        context.events.message({pkg::Level::warning,
                                "--no-sandbox: the builds run on the host as this user, with its network and "
                                "every file it may write"});
    }
    // A name that is no port is most likely a package file given without
    // its path: say both.
    auto not_a_port = [&](const std::string& name, const std::string& why) {
        return pkg::with_hint(
            pkg::UsageError("'{}' is not a package file, and not a port: {}", name, why),
            "give a package file's path (./" + name + ".pkg.tar.zst), or the name of a port of the ports tree");
    };
    std::optional<PortsView> view_holder;
    try {
        view_holder.emplace(config);
    } catch (const pkg::Error& e) {
        if (!options.install_targets) throw;
        throw not_a_port(names.front(), e.what());
    }
    PortsView& view = *view_holder;
    std::vector<const pkg::Port*> targets;
    for (const auto& name : names) {
        if (options.install_targets && !view.tree().find(name)) throw not_a_port(name, "no port has that name");
        targets.push_back(&view.tree().get(name));
    }

    pkg::BuildPlanRequest request;
    request.targets = targets;
    request.install_targets = options.install_targets;
    request.rebuild = options.rebuild || options.check_reproducible;
    request.upgrade = options.upgrade;
    request.assume_installed = config.assume_installed;
    request.root_is_host = config.root.lexically_normal() == "/";
    for (const auto& p : context.database().packages()) {
        request.installed[p.name] = {p.version + "-" + p.release, p.port_hash};
    }
    pkg::BuildSettings settings = build_settings(config, options);
    auto toolchain_for = [&](const pkg::Port& port) -> std::optional<pkg::Toolchain> {
        try {
            return pkg::make_toolchain(toolchain_request(config, options, port));
        } catch (const pkg::DependencyError&) {
            return std::nullopt;  // known once what it needs is installed
        }
    };
    pkg::PortHasher hasher(view.resolver());
    std::vector<pkg::BuildStep> steps = pkg::plan_builds(view.resolver(), hasher, settings, request, toolchain_for);

    size_t work = 0;
    for (const auto& s : steps) work += s.action != pkg::BuildStep::Action::installed;
    // What is to be downloaded: the sources of what is built, unless one of
    // a source's artifacts is in the cache already (verified when used).
    nlohmann::ordered_json to_fetch = nlohmann::ordered_json::array();
    for (const auto& s : steps) {
        if (s.action != pkg::BuildStep::Action::build) continue;
        for (const auto& source : s.port->sources) {
            auto artifacts = pkg::source_artifacts(*s.port, source, config.mirrors);
            bool cached = std::any_of(artifacts.begin(), artifacts.end(), [&](const pkg::SourceArtifact& a) {
                std::error_code ec;
                return fs::is_regular_file(config.cache_dir / a.file, ec);
            });
            if (!cached && !artifacts.empty()) to_fetch.push_back(artifacts.front().file);
        }
    }
    if (!context.json()) {
        for (const auto& file : to_fetch) context.out << "fetch " << file.get<std::string>() << '\n';
        for (const auto& s : steps) context.out << step_line(s) << '\n';
        context.out.flush();
    }
    if (options.dry_run || work == 0) {
        if (context.json()) {
            context.print_json({{"dry-run", options.dry_run}, {"fetch", to_fetch}, {"steps", steps_json(steps)},
                                {"packages", nlohmann::ordered_json::array()}});
        } else if (work == 0) {
            context.out << "nothing to do\n";
        }
        return 0;
    }
    if (!context.events.ask({fmt::format("Carry out {} step{}?", work, work == 1 ? "" : "s"), true})) {
        throw pkg::Declined("nothing was changed");
    }

    // Every source first, in parallel: nothing needs the network after this.
    std::vector<pkg::FetchRequest> requests;
    std::vector<size_t> first_request(steps.size(), 0);
    for (size_t i = 0; i < steps.size(); ++i) {
        first_request[i] = requests.size();
        if (steps[i].action != pkg::BuildStep::Action::build) continue;
        for (auto& r : fetch_requests(*steps[i].port, config)) requests.push_back(std::move(r));
    }
    std::vector<pkg::FetchResult> fetched;
    if (!requests.empty()) {
        pkg::Fetcher fetcher(fetch_settings(config, context.events), context.events);
        fetched = fetcher.fetch(requests);
    }

    // What a build of step i gets: its port and its sources as fetched.
    auto input_of = [&](size_t i) {
        pkg::BuildInput input;
        input.port = steps[i].port;
        input.port_hash = steps[i].port_hash;
        auto first = fetched.begin() + static_cast<std::ptrdiff_t>(first_request[i]);
        input.sources.assign(first, first + static_cast<std::ptrdiff_t>(steps[i].port->sources.size()));
        return input;
    };
    nlohmann::ordered_json built = nlohmann::ordered_json::array();
    nlohmann::ordered_json checks = nlohmann::ordered_json::array();
    bool all_reproducible = true;
    for (size_t i = 0; i < steps.size(); ++i) {
        const pkg::BuildStep& step = steps[i];
        if (step.action == pkg::BuildStep::Action::installed) continue;
        const pkg::Port& port = *step.port;
        fs::path package = step.package;
        pkg::PackageManifest manifest;
        bool reused = step.action == pkg::BuildStep::Action::reuse;
        if (reused) {
            manifest = pkg::read_package_manifest(package);
            context.events.build({pkg::BuildEvent::Kind::reused, port.name, "", package.string(), ""});
        } else {
            pkg::Toolchain toolchain = pkg::make_toolchain(toolchain_request(config, options, port));
            bool target = std::find(targets.begin(), targets.end(), &port) != targets.end();
            std::optional<pkg::BuildResult> result;
            if (!(options.rebuild && target)) result = pkg::find_built(settings, port, step.port_hash, toolchain);
            if (options.check_reproducible && target) {
                pkg::ReproducibleCheck check = pkg::check_reproducible(settings, input_of(i), toolchain, context.events);
                all_reproducible = all_reproducible && check.identical;
                nlohmann::ordered_json differences = nlohmann::ordered_json::array();
                for (const auto& d : check.differences) {
                    differences.push_back({{"path", d.path}, {"what", d.what}, {"hint", d.hint}});
                }
                checks.push_back({{"port", port.name}, {"identical", check.identical},
                                  {"sha256", check.sha256}, {"differences", differences}});
                if (!context.json()) {
                    if (check.identical) {
                        context.out << port.name << ": reproducible (sha256 " << check.sha256 << ")\n";
                    } else {
                        context.out << port.name << ": NOT reproducible; the two packages are kept: " << check.first.string()
                                    << " " << check.second.string() << "\n";
                        for (const auto& d : check.differences) {
                            context.out << "  /" << d.path << ": " << d.what << (d.hint.empty() ? "" : " (" + d.hint + ")")
                                        << "\n";
                        }
                    }
                }
                continue;
            }
            if (result) {
                reused = true;
                context.events.build({pkg::BuildEvent::Kind::reused, port.name, "", result->package.string(), ""});
            } else {
                result = pkg::build_port(settings, input_of(i), toolchain, context.events);
            }
            package = result->package;
            manifest = result->manifest;
        }
        built.push_back({{"port", port.name}, {"package", package.string()}, {"reused", reused}});
        if (!context.json()) context.out << (reused ? "reused " : "built ") << package.string() << '\n';
        if (!step.install) continue;
        pkg::TransactionRequest t;
        prepare_request(context, t, options.command);
        t.plan.install.push_back(manifest);
        t.files.push_back(package);
        t.plan.reason = step.explicit_ ? pkg::db::Reason::explicit_ : pkg::db::Reason::automatic;
        // An upgrade keeps the reason the package was installed for.
        t.reason_given = !step.upgrade;
        pkg::run_transaction(context.door(), context.database(), t, context.events,
                             [](const pkg::Plan&) { return true; });
    }
    if (context.json()) {
        nlohmann::ordered_json document = {{"dry-run", false}, {"fetch", to_fetch}, {"steps", steps_json(steps)},
                                           {"packages", built}};
        if (options.check_reproducible) document["reproducible"] = checks;
        context.print_json(document);
    }
    return all_reproducible ? 0 : 3;
}

}  // namespace pkgmgr
