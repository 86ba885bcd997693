#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "pkg/dependency.hpp"
#include "pkg/digest.hpp"
#include "pkg/json_text.hpp"
#include "pkg/port/problem.hpp"

namespace pkg {

/// How a source archive is unpacked into the build directory.
struct UnpackRule {
    enum class Mode { strip, directory, none };
    Mode mode = Mode::strip;
    int strip = 1;          ///< leading path components removed (Mode::strip)
    std::string directory;  ///< the top directory the archive holds (Mode::directory)
};

struct PatchRef {
    std::string file;  ///< under the port's patches/ directory
    int strip = 1;
    json::Span span;
};

/// Debian's copy of a source, named by source package, version and file,
/// never by a host (where Debian's archive is reached is configuration).
struct DebianArtifact {
    std::string source;
    std::string version;
    std::string file;
};

/// An alternative artifact of a source. When it does not unpack to
/// upstream's tree it carries its own patches, host dependencies and
/// prepare step (Debian's make needs autoreconf).
struct Artifact {
    DebianArtifact debian;
    DigestAlgorithm algorithm = DigestAlgorithm::sha256;
    std::string digest;
    std::optional<std::uint64_t> size;
    UnpackRule unpack;
    std::vector<PatchRef> patches;
    std::vector<Dependency> host_depends;
    std::string prepare;  ///< a shell command run in the unpacked tree
    json::Span span;
};

struct Source {
    std::vector<std::string> urls;  ///< templates ({name}, {version}, ...), mirrors in order
    std::string file;               ///< the saved name (a template too)
    DigestAlgorithm algorithm = DigestAlgorithm::sha256;
    std::string digest;
    std::optional<std::uint64_t> size;
    UnpackRule unpack;
    std::vector<Artifact> alternatives;
    json::Span span;
};

struct BuildSpec {
    std::string style;  ///< gnu, cmake, make or custom
    std::vector<std::string> configure;
    std::vector<std::string> make;
    std::vector<std::string> install;
    /// `"toolchain": "build"`: built with the build machine's own compiler
    /// and no --host, for a port that needs nothing of the target (the C
    /// library itself, kernel headers); default: the target's toolchain.
    bool build_toolchain = false;
};

/// A port: ports/<category>/<name>/port.json and the files beside it.
struct PKG_API Port {
    std::string name;
    std::string category;
    std::string version;  ///< upstream's version, no epoch, no release
    std::string release = "1";
    std::string epoch;    ///< "" when none
    std::string summary;
    std::string license;
    std::string homepage;
    std::vector<Source> sources;
    std::vector<Dependency> depends;  ///< every kind, in file order
    std::vector<Dependency> provides;
    std::vector<Dependency> conflicts;
    std::vector<PatchRef> patches;
    BuildSpec build;
    std::string test;
    std::vector<std::string> config_files;
    /// Installed paths that may be setuid or setgid (relative, as config-files).
    std::vector<std::string> setuid_files;
    /// The builds' SOURCE_DATE_EPOCH (set by `pkg bump`); 0 when the port gives none.
    std::int64_t source_date_epoch = 0;

    std::filesystem::path dir;       ///< the port's directory
    std::filesystem::path manifest;  ///< dir / "port.json"
    std::string text;                ///< the manifest's text, as read

    /// `[epoch:]version-release`.
    std::string full_version() const;
    std::vector<const Dependency*> depends_of(DependencyKind kind) const;
    /// Every dependency that counts for closures, the order, reverse
    /// dependencies and the port hash: the port's own, then the host
    /// dependencies of its sources' alternatives (a fetch may fall back to
    /// any of them, and then builds with what it needs), each name and
    /// kind once.
    std::vector<const Dependency*> counted_depends() const;
    /// Expands {name}, {version}, {major}, {minor}, {patch} in a template.
    std::string expand(const std::string& templ) const;
};

/// The result of reading one port: the port when its manifest could be
/// understood (possibly with problems), and every problem found.
struct PortRead {
    std::optional<Port> port;
    std::vector<Problem> problems;
    bool ok() const { return port && !has_errors(problems); }
};

/// Reads and checks the manifest of the port in `dir` (its category is the
/// parent directory's name). Never throws for a bad manifest: every problem
/// is collected with its file, line and column.
PKG_API PortRead read_port(const std::filesystem::path& dir);

}  // namespace pkg
