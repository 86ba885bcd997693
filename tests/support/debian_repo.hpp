#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace pkgtest {

/// A Debian source repository on the local disk, made with dpkg-dev's
/// dpkg-source and dpkg-scansources, that apt reaches through a file: URI:
/// nothing leaves the machine.
struct DebianRepo {
    std::string sources_list;  ///< a sources.list naming it alone ([trusted=yes])
    std::string dir;           ///< where its files are
    std::map<std::string, std::string> orig_sha256;  ///< by upstream version
    std::map<std::string, std::uint64_t> orig_size;  ///< by upstream version
    std::map<std::string, std::string> tarball;      ///< by upstream version: the orig's path
};

/// Builds, under `dir`, source package `name` in each Debian version of
/// `versions` ("1.0-1", "2.0-1", ...); each upstream version's orig tarball
/// holds NAME-UPSTREAM/README. Throws when a tool fails.
DebianRepo make_debian_repo(const std::string& dir, const std::string& name, const std::vector<std::string>& versions);

}  // namespace pkgtest
