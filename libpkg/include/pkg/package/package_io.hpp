#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "pkg/events.hpp"
#include "pkg/package/package.hpp"

namespace pkg {

/// What `pkg create` and every build give the package writer.
struct PackageSpec {
    std::filesystem::path staged;  ///< the staged tree (DESTDIR)
    /// Everything of the manifest but its entries, which the writer makes.
    PackageManifest metadata;
    std::vector<std::string> config_files;  ///< paths in the staged tree
    /// The reader's limits: the writer refuses up front a package they would refuse.
    PackageLimits limits;
};

/// Writes the package of `spec` to `output` (a file, written under a
/// temporary name and renamed into place) and returns its manifest.
/// Deterministic: sorted members, root:root, mtimes clamped to
/// SOURCE_DATE_EPOCH. Refuses what a reader would refuse (device nodes,
/// bad names) naming the staged path.
/// With `events`, reports the bytes packaged as one progress task.
PKG_API PackageManifest write_package(const PackageSpec& spec, const std::filesystem::path& output,
                                      EventSink* events = nullptr);

/// Receives a package's content as the reader streams and checks it.
class PKG_API PackageVisitor {
public:
    virtual ~PackageVisitor();
    virtual void manifest(const PackageManifest&) {}
    /// A member begins; its header matched the manifest entry.
    virtual void begin(const PackageEntry&) {}
    /// A chunk of a file's data, before the whole file is verified.
    virtual void data(const PackageEntry&, const void*, std::size_t) {}
    /// The member ended; a file's size and sha256 matched.
    virtual void end(const PackageEntry&) {}
    /// The whole package was read and every rule held (the last call).
    virtual void finished() {}
};

/// Gives what it receives to another visitor on a thread of its own, in
/// order, so that the reader decompresses and verifies while the other
/// visitor writes files (staging a package is mostly the kernel's time
/// making files; reading it is the CPU's). Several packages may be read
/// through it one after the other, each ending with the other visitor's
/// finished(); its manifest() is not called (the thread may still be on an
/// earlier package). Data is copied into batches of bounded size. An error
/// of the other visitor is rethrown to the reader at its next call, or by
/// wait(), which the caller calls after the last package: it waits until
/// the other visitor has been given everything. Destroying it before wait()
/// (something failed) drops what is still queued and waits for the thread.
class PKG_API PipelinedVisitor final : public PackageVisitor {
public:
    explicit PipelinedVisitor(PackageVisitor& inner);
    ~PipelinedVisitor() override;
    PipelinedVisitor(const PipelinedVisitor&) = delete;
    PipelinedVisitor& operator=(const PipelinedVisitor&) = delete;

    void manifest(const PackageManifest& m) override;
    void begin(const PackageEntry& e) override;
    void data(const PackageEntry& e, const void* bytes, std::size_t size) override;
    void end(const PackageEntry& e) override;
    void finished() override;
    /// After the last package: waits until the other visitor has been given
    /// everything; rethrows its error.
    void wait();

private:
    struct Shared;
    void publish(bool last);
    PackageVisitor& inner_;
    std::unique_ptr<Shared> shared_;
};

/// Streams the package once, checking every rule of pkg-package(5) as it
/// goes; throws PackageError (kind verification for a digest or size
/// mismatch) naming the package, the member and the rule. `known`, a
/// manifest read from this package before, is taken instead of parsing the
/// manifest again when the bytes are the same (its manifest_sha256).
PKG_API PackageManifest read_package(const std::filesystem::path& file, PackageVisitor& visitor,
                                     const PackageLimits& limits = {}, const PackageManifest* known = nullptr);
/// Reads only the manifest (the first member), with its checks.
PKG_API PackageManifest read_package_manifest(const std::filesystem::path& file, const PackageLimits& limits = {});
/// The same over a package held in memory (fuzzing, tests); `name` names it in errors.
PKG_API PackageManifest read_package_memory(const void* data, std::size_t size, const std::string& name,
                                            PackageVisitor& visitor, const PackageLimits& limits = {});

/// Reads and verifies a package and writes its content below `root`
/// through SafeRoot: nothing is ever written outside `root`, and no symlink
/// is followed. On failure, what was written stays below `root` (a
/// staging directory the caller removes).
PKG_API PackageManifest extract_package(const std::filesystem::path& file, const std::filesystem::path& root);

}  // namespace pkg
