// Checking that a port builds reproducibly (pkg(8), build --check-reproducible).

#include "pkg/build/reproducible.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <map>

#include "pkg/digest.hpp"
#include "pkg/error.hpp"
#include "pkg/package/package_io.hpp"

namespace pkg {
namespace fs = std::filesystem;
namespace {

std::string octal(unsigned mode) { return fmt::format("{:04o}", mode); }

}  // namespace

std::vector<MemberDifference> compare_packages(const fs::path& first, const fs::path& second) {
    PackageManifest a = read_package_manifest(first);
    PackageManifest b = read_package_manifest(second);
    std::vector<MemberDifference> out;
    const char* content_hint =
        "an embedded time (use SOURCE_DATE_EPOCH), a path of the build directory, or an order that "
        "depends on the file system or on parallel jobs";
    std::map<std::string, const PackageEntry*> in_b;
    for (const auto& e : b.entries) in_b[e.path] = &e;
    for (const auto& e : a.entries) {
        auto it = in_b.find(e.path);
        if (it == in_b.end()) {
            out.push_back({e.path, "only in the first build", "a file made only under some conditions (jobs, time)"});
            continue;
        }
        const PackageEntry& f = *it->second;
        in_b.erase(it);
        if (e.type != f.type) {
            out.push_back({e.path, fmt::format("type {} / {}", entry_type_name(e.type), entry_type_name(f.type)), ""});
            continue;
        }
        if (e.mode != f.mode) {
            out.push_back({e.path, fmt::format("mode {} / {}", octal(e.mode), octal(f.mode)),
                           "a mode that follows the umask (install with an explicit mode)"});
        }
        if (e.target != f.target) {
            out.push_back({e.path, fmt::format("link target {} / {}", e.target, f.target),
                           "a link naming the build directory"});
        }
        if (e.sha256 != f.sha256 || e.size != f.size) out.push_back({e.path, "content", content_hint});
    }
    for (const auto& [path, e] : in_b) {
        out.push_back({path, "only in the second build", "a file made only under some conditions (jobs, time)"});
    }
    if (out.empty() && file_digest(first, DigestAlgorithm::sha256) != file_digest(second, DigestAlgorithm::sha256)) {
        out.push_back({"", "the package files differ, though every member is the same", "the package writer"});
    }
    return out;
}

ReproducibleCheck check_reproducible(const BuildSettings& settings, const BuildInput& input, const Toolchain& toolchain,
                                     EventSink& events) {
    ReproducibleCheck check;
    std::error_code ec;
    fs::create_directories(settings.build_dir, ec);
    std::string templ = (settings.build_dir / (input.port->name + ".reproducible.XXXXXX")).string();
    if (!::mkdtemp(templ.data())) {
        throw SystemError{errno, settings.build_dir, "cannot create a directory in {}", settings.build_dir.string()};
    }
    fs::path scratch = templ;
    BuildSettings one = settings;
    one.packages_dir = scratch / "first";
    one.umask = 022;
    BuildSettings two = settings;
    two.packages_dir = scratch / "second";
    two.umask = 002;
    two.jobs = settings.jobs > 1 ? 1 : 2;
    try {
        check.first = build_port(one, input, toolchain, events).package;
        check.second = build_port(two, input, toolchain, events).package;
        check.sha256 = file_digest(check.first, DigestAlgorithm::sha256);
        check.differences = compare_packages(check.first, check.second);
        check.identical = check.differences.empty();
        if (check.identical) {
            // The port's package is the one that was checked.
            fs::path package = package_path(settings, *input.port, toolchain);
            fs::create_directories(package.parent_path());
            fs::copy_file(check.first, package, fs::copy_options::overwrite_existing);
            fs::path record = check.first;
            record += ".build";
            fs::path target_record = package;
            target_record += ".build";
            fs::copy_file(record, target_record, fs::copy_options::overwrite_existing);
            check.first = package;
            fs::remove_all(scratch, ec);
        }
    } catch (...) {
        fs::remove_all(scratch, ec);
        throw;
    }
    return check;
}

}  // namespace pkg
