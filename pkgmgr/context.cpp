#include "context.hpp"

#include <nlohmann/json.hpp>

namespace pkgmgr {

void Context::print_json(const nlohmann::ordered_json& document) {
    // Invalid UTF-8 (a file name, a port's text) must not abort the output.
    out << document.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
    out.flush();
}

}  // namespace pkgmgr
