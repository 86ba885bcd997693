#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "pkg/export.hpp"

namespace pkg {

/// The largest manifest, profile or configuration file pkg reads: a port's
/// whole manifest is a few KiB; 4 MiB is generous.
inline constexpr std::size_t kMaxTextFile = std::size_t{4} << 20;

/// Reads a whole text file that must be a regular file of at most
/// `max_bytes`. A FIFO, a device, a directory or a socket (also through a
/// symbolic link) is refused without being read, so a FIFO never blocks
/// and /dev/zero never fills memory. Throws SystemError naming `what`, the
/// path and the reason.
PKG_API std::string read_text_file(const std::filesystem::path& file, const char* what,
                                   std::size_t max_bytes = kMaxTextFile);

/// What a mode's file type is, for errors: "a directory", "a FIFO", ...
PKG_API const char* file_type_name(unsigned mode);

/// Opens `file` for reading only when it is a regular file (never blocking
/// on a FIFO); with `follow` false a symbolic link is refused as well.
/// Returns the descriptor, owned by the caller. Throws SystemError.
PKG_API int open_regular_file(const std::filesystem::path& file, const char* what, bool follow = true);

}  // namespace pkg
