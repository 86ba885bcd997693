#include "pkg/fetch/origins.hpp"

namespace pkg {

std::vector<SourceArtifact> source_artifacts(const Port& port, const Source& source,
                                             const std::vector<std::string>& mirrors) {
    std::vector<SourceArtifact> out;
    if (!source.urls.empty()) {
        SourceArtifact upstream;
        upstream.file = port.expand(source.file);
        upstream.algorithm = source.algorithm;
        upstream.digest = source.digest;
        upstream.size = source.size;
        for (const auto& mirror : mirrors) {
            std::string base = mirror;
            while (!base.empty() && base.back() == '/') base.pop_back();
            upstream.urls.push_back(base + "/" + upstream.file);
        }
        for (const auto& url : source.urls) upstream.urls.push_back(port.expand(url));
        out.push_back(std::move(upstream));
    }
    for (size_t i = 0; i < source.alternatives.size(); ++i) {
        const Artifact& a = source.alternatives[i];
        SourceArtifact alt;
        alt.alternative = static_cast<int>(i);
        alt.file = a.debian.file;
        alt.algorithm = a.algorithm;
        alt.digest = a.digest;
        alt.size = a.size;
        for (const auto& mirror : mirrors) {
            std::string base = mirror;
            while (!base.empty() && base.back() == '/') base.pop_back();
            alt.urls.push_back(base + "/" + alt.file);
        }
        alt.debian = a.debian;
        out.push_back(std::move(alt));
    }
    return out;
}

}  // namespace pkg
