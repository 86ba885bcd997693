#pragma once

#include <exception>
#include <ostream>

#include "output/style.hpp"
#include "pkg/error.hpp"

namespace pkgmgr {

/// The exit status of each kind of error: the one table of pkg(8), EXIT STATUS.
int exit_code(pkg::ErrorKind kind);

/// Reports a failed command and returns its exit status: with --json an
/// error object on stdout (`{"error": {"kind", "exit", "message", "hint"}}`),
/// else "error: MESSAGE" and any hint on stderr.
int report_error(const std::exception& error, bool json, const Style& style, std::ostream& out,
                 std::ostream& err);

}  // namespace pkgmgr
