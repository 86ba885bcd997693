#include "ports_view.hpp"

namespace pkgmgr {
namespace fs = std::filesystem;

PortsView::PortsView(const pkg::Config& config) : tree_(pkg::PortsTree::load(config.ports)) {
    pkg::ResolveOptions options;
    options.assume_installed.insert(config.assume_installed.begin(), config.assume_installed.end());
    options.providers = config.providers;
    resolver_ = std::make_unique<pkg::Resolver>(tree_, std::move(options));
}

namespace {

const std::string& working_directory() {
    static const std::string cwd = [] {
        std::error_code ec;
        std::string dir = fs::current_path(ec).string();
        return ec ? std::string() : dir + "/";
    }();
    return cwd;
}

}  // namespace

std::string display_path(const fs::path& path) {
    std::string text = path.string();
    const std::string& cwd = working_directory();
    if (!cwd.empty() && text.size() > cwd.size() && text.compare(0, cwd.size(), cwd) == 0) {
        return text.substr(cwd.size());
    }
    return text;
}

std::string shorten_paths(const std::string& text) {
    const std::string& cwd = working_directory();
    if (cwd.empty()) return text;
    std::string out;
    size_t at = 0;
    for (size_t hit = text.find(cwd); hit != std::string::npos; hit = text.find(cwd, at)) {
        bool starts_word = hit == 0 || text[hit - 1] == ' ' || text[hit - 1] == '\'' || text[hit - 1] == '(';
        out += text.substr(at, hit - at);
        if (!starts_word) out += cwd;
        at = hit + cwd.size();
    }
    return out + text.substr(at);
}

}  // namespace pkgmgr
