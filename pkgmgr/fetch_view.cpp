#include "fetch_view.hpp"

#include <memory>

namespace pkgmgr {

std::shared_ptr<pkg::DebianOrigin> debian_origin(const pkg::Config& config, pkg::EventSink& events) {
    pkg::DebianOriginSettings d;
    // Under the cache, as a name no distfile may take (a leading dot).
    d.state_dir = config.cache_dir / ".apt";
    d.sources_file = config.debian_sources;
    return std::make_shared<pkg::DebianOrigin>(d, events);
}

pkg::FetchSettings fetch_settings(const pkg::Config& config, pkg::EventSink& events) {
    pkg::FetchSettings s;
    s.cache_dir = config.cache_dir;
    s.jobs = config.jobs;
    s.config = config.fetch;
    s.user_agent = "pkg/" PKG_VERSION;
    std::shared_ptr<pkg::DebianOrigin> origin = debian_origin(config, events);
    s.debian = [origin](const pkg::SourceArtifact& a, const std::filesystem::path& scratch) {
        return origin->obtain(*a.debian, a.algorithm, a.digest, a.size, scratch);
    };
    return s;
}

std::vector<pkg::FetchRequest> fetch_requests(const pkg::Port& port, const pkg::Config& config) {
    std::vector<pkg::FetchRequest> out;
    for (const auto& source : port.sources) {
        pkg::FetchRequest r;
        r.label = port.name;
        r.artifacts = pkg::source_artifacts(port, source, config.mirrors);
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace pkgmgr
