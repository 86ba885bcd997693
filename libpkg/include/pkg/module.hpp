#pragma once

#include <filesystem>
#include <string>

#include "pkg/export.hpp"

namespace pkg {

/// The directory libpkg loads its modules from: `pkg/` beside the libpkg
/// shared object, in the build tree (build/lib/pkg) as once installed.
PKG_API std::filesystem::path module_directory();

/// Loads module `name` (`NAME.so` in module_directory()) once per process and
/// returns the address of `symbol` in it. Code that needs libcrypto,
/// libarchive or libcurl lives in such modules, so that commands which do not
/// use them (queries, --version) never pay for loading them. Throws Error
/// naming the file and the loader's message when it cannot be loaded.
PKG_API void* module_symbol(const std::string& name, const char* symbol);

}  // namespace pkg
