#include "source_pins.hpp"

#include <map>
#include <nlohmann/json.hpp>

#include "fetch_view.hpp"
#include "pkg/error.hpp"
#include "pkg/port/port_editor.hpp"

namespace pkgmgr {
namespace {

// One artifact to pin: where it sits in port.json and what it pins now.
struct Pin {
    const pkg::Port* port;
    std::size_t source;
    pkg::SourceArtifact artifact;
};

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : "; ") + item;
    return out;
}

}  // namespace

nlohmann::ordered_json pin_sources(Context& context, const std::vector<const pkg::Port*>& ports, bool force) {
    std::vector<Pin> pins;
    std::vector<pkg::FetchRequest> requests;
    for (const pkg::Port* port : ports) {
        for (std::size_t i = 0; i < port->sources.size(); ++i) {
            for (auto& a : pkg::source_artifacts(*port, port->sources[i], context.config.mirrors)) {
                pkg::FetchRequest r;
                r.label = port->name;
                pkg::SourceArtifact unpinned = a;
                unpinned.digest.clear();  // whatever arrives, compared below
                unpinned.size.reset();
                r.artifacts = {unpinned};
                requests.push_back(std::move(r));
                pins.push_back({port, i, std::move(a)});
            }
        }
    }
    pkg::FetchSettings settings = fetch_settings(context.config, context.events);
    settings.allow_unpinned = true;
    pkg::Fetcher fetcher(settings, context.events);
    std::vector<pkg::FetchOutcome> outcomes = fetcher.fetch_each(requests);

    std::map<const pkg::Port*, pkg::PortEditor> editors;
    std::vector<std::string> refused, failed;
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (std::size_t i = 0; i < pins.size(); ++i) {
        const Pin& pin = pins[i];
        const pkg::SourceArtifact& a = pin.artifact;
        if (!outcomes[i].result) {
            failed.push_back(fmt::format("{}: {}: {}", pin.port->name, a.file, join(outcomes[i].failures)));
            continue;
        }
        const pkg::FetchResult& got = *outcomes[i].result;
        bool digest_differs = !a.digest.empty() && a.digest != got.digest;
        bool size_differs = a.size && *a.size != got.size;
        if ((digest_differs || size_differs) && !force) {
            refused.push_back(fmt::format("{}: {}: pinned {} {}{}, downloaded {} ({} bytes)", pin.port->name, a.file,
                                          pkg::digest_name(a.algorithm), a.digest.empty() ? "(none)" : a.digest,
                                          a.size ? fmt::format(" ({} bytes)", *a.size) : "", got.digest, got.size));
            continue;
        }
        auto it = editors.find(pin.port);
        if (it == editors.end()) {
            it = editors.emplace(pin.port, pkg::PortEditor(pin.port->manifest, pin.port->text)).first;
        }
        it->second.set_digest(pin.source, a.alternative, a.algorithm, got.digest);
        it->second.set_size(pin.source, a.alternative, got.size);
        list.push_back({{"port", pin.port->name},
                        {"file", a.file},
                        {"alternative", a.alternative < 0 ? nlohmann::ordered_json() : nlohmann::ordered_json(a.alternative)},
                        {pkg::digest_name(a.algorithm), got.digest},
                        {"size", got.size},
                        {"changed", a.digest != got.digest || !a.size || *a.size != got.size}});
    }
    if (!refused.empty()) {
        throw pkg::with_hint(pkg::VerificationError("downloads differ from the pinned digests: {}", join(refused)),
                             "if upstream really changed its file, pin the new one with --force");
    }
    for (auto& [port, editor] : editors) {
        if (editor.changed()) editor.save();
    }
    if (!failed.empty()) {
        print_pins(context.out, list);
        throw pkg::VerificationError("could not download {} of {} artifacts (the others are pinned): {}",
                                     failed.size(), pins.size(), join(failed));
    }
    return list;
}

void print_pins(std::ostream& out, const nlohmann::ordered_json& pins) {
    for (const auto& p : pins) {
        bool sha512 = p.contains("sha512");
        out << p["port"].get<std::string>() << ' ' << p["file"].get<std::string>() << ' '
            << (sha512 ? "sha512 " : "sha256 ") << p[sha512 ? "sha512" : "sha256"].get<std::string>() << ' '
            << p["size"].get<std::uint64_t>() << (p["changed"].get<bool>() ? " (pinned)" : "") << '\n';
    }
}

}  // namespace pkgmgr
