#include "support/debian_repo.hpp"

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "pkg/digest.hpp"
#include "support/process.hpp"

namespace pkgtest {
namespace fs = std::filesystem;

namespace {

void write(const fs::path& path, const std::string& content) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
}

void run(const std::vector<std::string>& argv, const std::string& cwd) {
    ProcessResult r = run_process(argv, {.cwd = cwd});
    if (r.status != 0) throw std::runtime_error(argv[0] + " failed: " + r.out + r.err);
}

}  // namespace

DebianRepo make_debian_repo(const std::string& dir, const std::string& name, const std::vector<std::string>& versions) {
    DebianRepo repo;
    repo.dir = dir + "/repo";
    fs::create_directories(repo.dir);
    for (const auto& version : versions) {
        std::string upstream = version.substr(0, version.rfind('-'));
        std::string tree = name + "-" + upstream;
        std::string orig = name + "_" + upstream + ".orig.tar.gz";
        if (!fs::exists(repo.dir + "/" + orig)) {
            write(repo.dir + "/" + tree + "/README", "hello " + upstream + "\n");
            // -n and a fixed mtime: the same upstream gives the same orig.
            run({"/bin/tar", "--mtime=@1420070400", "--owner=0", "--group=0", "-cf", tree + ".tar", tree}, repo.dir);
            run({"/bin/gzip", "-n", tree + ".tar"}, repo.dir);
            fs::rename(repo.dir + "/" + tree + ".tar.gz", repo.dir + "/" + orig);
            repo.orig_sha256[upstream] = pkg::file_digest(repo.dir + "/" + orig, pkg::DigestAlgorithm::sha256);
            repo.orig_size[upstream] = fs::file_size(repo.dir + "/" + orig);
            repo.tarball[upstream] = repo.dir + "/" + orig;
        }
        write(repo.dir + "/" + tree + "/debian/source/format", "3.0 (quilt)\n");
        write(repo.dir + "/" + tree + "/debian/control",
              "Source: " + name + "\nMaintainer: Nobody <nobody@invalid>\nStandards-Version: 4.6.2\n\n"
              "Package: " + name + "\nArchitecture: all\nDescription: test\n test\n");
        write(repo.dir + "/" + tree + "/debian/changelog",
              name + " (" + version + ") unstable; urgency=medium\n\n  * Test.\n\n"
              " -- Nobody <nobody@invalid>  Thu, 01 Jan 2015 00:00:00 +0000\n");
        run({"/usr/bin/dpkg-source", "-b", tree}, repo.dir);
    }
    ProcessResult index = run_process({"/usr/bin/dpkg-scansources", "."}, {.cwd = repo.dir});
    if (index.status != 0) throw std::runtime_error("dpkg-scansources failed: " + index.err);
    write(repo.dir + "/Sources", index.out);
    run({"/bin/gzip", "-n", "-f", "Sources"}, repo.dir);
    repo.sources_list = dir + "/debian-sources.list";
    write(repo.sources_list, "deb-src [trusted=yes] file:" + repo.dir + " ./\n");
    return repo;
}

}  // namespace pkgtest
