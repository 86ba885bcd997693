#include "context.hpp"

#include <nlohmann/json.hpp>

namespace pkgmgr {

void Context::print_json(const nlohmann::ordered_json& document) {
    out << document.dump(2) << '\n';
    out.flush();
}

}  // namespace pkgmgr
