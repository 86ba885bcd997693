#pragma once

#include "archive_abi.hpp"

namespace pkg {

/// The `archive` module (libarchive), loaded on first use.
const archive::Module& archive_module();

}  // namespace pkg
