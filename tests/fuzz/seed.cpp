// Writes a few valid packages into DIR, the fuzzer's starting corpus.

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "pkg/package/package_io.hpp"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    fs::path out = argv[1];
    fs::create_directories(out);
    fs::path staged = out / "staged.tmp";
    fs::remove_all(staged);
    fs::create_directories(staged / "usr/bin");
    fs::create_directories(staged / "etc");
    std::ofstream(staged / "usr/bin/tool") << "#!/bin/sh\necho tool\n";
    chmod((staged / "usr/bin/tool").c_str(), 04755);
    fs::create_hard_link(staged / "usr/bin/tool", staged / "usr/bin/tool2");
    std::ofstream(staged / "etc/tool.conf") << "x = 1\n";
    std::ofstream(staged / "etc/empty");
    fs::create_symlink("/usr/lib/libc.so", staged / "usr/bin/link");
    pkg::PackageSpec spec;
    spec.staged = staged;
    spec.metadata.name = "seed";
    spec.metadata.version = "1:1.0";
    spec.metadata.arch = "any";
    spec.metadata.depends = {"musl>=1"};
    spec.config_files = {"etc/tool.conf"};
    pkg::write_package(spec, out / "full.pkg.tar.zst");
    fs::remove_all(staged);
    fs::create_directories(staged);
    spec.config_files.clear();
    spec.metadata.depends.clear();
    pkg::write_package(spec, out / "empty.pkg.tar.zst");
    fs::remove_all(staged);
    return 0;
}
