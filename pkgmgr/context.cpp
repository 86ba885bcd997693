#include "context.hpp"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "pkg/error.hpp"

namespace pkgmgr {

void Context::print_json(const nlohmann::ordered_json& document) {
    // Invalid UTF-8 (a file name, a port's text) must not abort the output.
    out << document.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
    out.flush();
}

void Context::open_read_view() {
    door_ = pkg::open_door(config.root);
    installed_ = pkg::db::Database::open_for_read(*door_);
    // A journal of a running writer: the snapshot is its last committed
    // state. One nobody runs any more needs recovery first, which only a
    // lock holder does: say so rather than show a state it may roll forward.
    if (installed_) {
        if (auto journal = installed_->journal(); journal && !pkg::db::journal_is_live(*journal)) {
            pkg::PrivilegeError e("{} holds an interrupted transaction ('{}', pid {}, {}): it needs recovery first",
                                  (config.root / pkg::db::kStateDir / pkg::db::kDatabaseName).string(),
                                  journal->command, journal->pid, pkg::db::journal_state_name(journal->state));
            throw pkg::with_hint(std::move(e), "run 'pkg recover' as a user who may write the root");
        }
    }
}

void Context::open_for_writing(bool create) {
    // A root that does not exist yet is made, as xbps and apk's --initdb do:
    // the first install into a scratch root needs no mkdir first.
    std::error_code ec;
    if (create && !std::filesystem::exists(config.root, ec) && !ec) {
        std::filesystem::create_directories(config.root, ec);
        if (ec) throw pkg::SystemError{ec.value(), config.root, "cannot create the root {}", config.root.string()};
    }
    door_ = pkg::open_door(config.root);
    lock_ = std::make_unique<pkg::RootLock>(*door_, events, !options.no_wait);
    installed_ = pkg::db::Database::open_for_write(*door_);
}

std::string Context::path_in_root(const std::string& path) const {
    std::filesystem::path p = path;
    if (p.is_relative()) {
        std::error_code ec;
        p = std::filesystem::current_path(ec) / p;
    }
    p = p.lexically_normal();
    std::filesystem::path root = config.root.lexically_normal();
    std::string text = p.string();
    std::string prefix = root.string();
    if (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    // With a root other than /, a path under it names its file there;
    // any other absolute path is taken as a path inside the root.
    if (!prefix.empty() && text.rfind(prefix + "/", 0) == 0) text = text.substr(prefix.size());
    while (!text.empty() && text.front() == '/') text.erase(0, 1);
    while (text.size() > 1 && text.back() == '/') text.pop_back();
    return text;
}

}  // namespace pkgmgr
