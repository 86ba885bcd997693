// Toolchains (DESIGN.md, "A build", "Build machine, target, toolchain").

#include "pkg/build/toolchain.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "pkg/config.hpp"
#include "pkg/digest.hpp"
#include "pkg/error.hpp"
#include "pkg/process.hpp"

namespace pkg {
namespace fs = std::filesystem;
namespace {

const char* const kHostPath = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin";

// The first line a tool prints of its version, for the toolchain's identity.
std::string tool_version(const std::string& tool, const std::vector<std::string>& arguments) {
    auto path = find_program(tool, kHostPath);
    if (!path) return tool + ": missing";
    Program program;
    program.argv = {path->string()};
    program.argv.insert(program.argv.end(), arguments.begin(), arguments.end());
    program.environment = {"PATH=" + std::string(kHostPath), "LC_ALL=C"};
    ProgramResult result = run_program(program);
    std::string line = result.output.substr(0, result.output.find('\n'));
    return tool + ": " + line;
}

// Writes `text` to `file` under a temporary name, then renames it: a
// concurrent build reading the toolchain never sees half a file.
void write_file(const fs::path& file, const std::string& text, mode_t mode) {
    fs::path temporary = file;
    temporary += ".tmp" + std::to_string(::getpid());
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out << text;
        out.close();
        if (!out) throw SystemError{errno, temporary, "cannot write {}", temporary.string()};
    }
    if (::chmod(temporary.c_str(), mode) != 0) throw SystemError{errno, temporary, "cannot chmod {}", temporary.string()};
    if (::rename(temporary.c_str(), file.c_str()) != 0) {
        throw SystemError{errno, file, "cannot rename {} into place", file.string()};
    }
}

void link_tool(const fs::path& bin, const std::string& triplet, const std::string& tool) {
    auto host = find_program(tool, kHostPath);
    if (!host) throw DependencyError("the musl toolchain needs the host's '{}' (binutils)", tool);
    fs::path link = bin / (triplet + "-" + tool);
    fs::path temporary = link;
    temporary += ".tmp" + std::to_string(::getpid());
    ::unlink(temporary.c_str());
    if (::symlink(host->c_str(), temporary.c_str()) != 0 || ::rename(temporary.c_str(), link.c_str()) != 0) {
        throw SystemError{errno, link, "cannot write {}", link.string()};
    }
}

bool is_musl(const std::string& triplet) { return triplet.ends_with("-linux-musl"); }

}  // namespace

std::string triplet_arch(const std::string& triplet) { return triplet.substr(0, triplet.find('-')); }

std::string musl_specs(const fs::path& sysroot, const std::string& arch) {
    // musl's musl-gcc.specs is the model: only the sysroot's headers (and
    // gcc's own: include%s), only its libraries (not gcc's private
    // directory, whose libgcc_s, libatomic and libgcc_eh are glibc's), its
    // start files chosen as gcc chooses them, and its dynamic linker.
    // Static libgcc alone: Debian's libgcc_eh.a needs glibc. musl's link
    // spec drops --eh-frame-hdr, which unwinding needs: it is back.
    std::string inc = (sysroot / "usr/include").string();
    std::string lib = (sysroot / "usr/lib").string();
    std::string ldso = "/lib/ld-musl-" + arch + ".so.1";
    std::string emulation = arch == "x86_64" ? "-m elf_x86_64 " : arch == "aarch64" ? "-m aarch64linux " : "";
    std::string s;
    s += "%rename cpp_options old_cpp_options\n\n";
    s += "*cpp_options:\n-nostdinc -isystem " + inc + " -isystem include%s %(old_cpp_options)\n\n";
    s += "*cc1:\n%(cc1_cpu) -nostdinc -isystem " + inc + " -isystem include%s\n\n";
    s += "*link_libgcc:\n-L" + lib + "\n\n";
    s += "*libgcc:\nlibgcc.a%s\n\n";
    s += "*startfile:\n%{shared:;static-pie:" + lib + "/rcrt1.o;static:" + lib + "/crt1.o;!no-pie:" + lib +
         "/Scrt1.o;:" + lib + "/crt1.o} " + lib +
         "/crti.o %{static:crtbeginT.o%s;shared|static-pie|!no-pie:crtbeginS.o%s;:crtbegin.o%s}\n\n";
    s += "*endfile:\n%{Ofast|ffast-math|funsafe-math-optimizations:crtfastmath.o%s} "
         "%{static:crtend.o%s;shared|static-pie|!no-pie:crtendS.o%s;:crtend.o%s} " + lib + "/crtn.o\n\n";
    s += "*link:\n%{!r:--build-id} %{!static|static-pie:--eh-frame-hdr} " + emulation +
         "--hash-style=gnu -nostdlib %{shared:-shared} %{!shared:%{!static:%{!static-pie:%{rdynamic:-export-dynamic} "
         "-dynamic-linker " + ldso + "}} %{static:-static} %{static-pie:-static -pie --no-dynamic-linker -z text}}\n";
    return s;
}

Toolchain make_toolchain(const ToolchainRequest& request) {
    Toolchain t;
    t.target = request.target;
    t.build = build_triplet();
    t.cross = t.target != t.build;
    std::string compiler = tool_version("cc", {"--version"});
    if (!t.cross || request.build_toolchain) {
        // The build machine's own compiler: native, or a port that needs
        // nothing of the target (musl itself).
        t.cross = t.cross && !request.build_toolchain;
        t.id = sha256_of(request.build_toolchain ? "build " + compiler : "native " + compiler);
        return t;
    }
    if (is_musl(t.target) && triplet_arch(t.target) == triplet_arch(t.build)) {
        fs::path libc = request.sysroot_host / "usr/lib/libc.so";
        struct stat st{};
        if (::stat(libc.c_str(), &st) != 0) {
            throw with_hint(DependencyError("building for {} needs musl installed in the root {} first "
                                            "({} is missing)",
                                            t.target, request.sysroot_host.string(), libc.string()),
                            "build and install the musl port into that root first: pkg --root " +
                                request.sysroot_host.string() + " install musl");
        }
        std::string arch = triplet_arch(t.target);
        fs::path dir = request.directory / t.target;
        fs::path bin = dir / "bin";
        std::error_code ec;
        fs::create_directories(bin, ec);
        if (ec) throw SystemError{ec.value(), bin, "cannot create {}", bin.string()};
        std::string specs = musl_specs(request.sysroot_seen, arch);
        fs::path specs_file = dir / "musl-gcc.specs";
        write_file(specs_file, specs, 0644);
        auto gcc = find_program("gcc", kHostPath);
        if (!gcc) throw DependencyError("the musl toolchain needs the host's gcc");
        // The wrapper names the specs by the path the build sees the toolchain at.
        // gcc reads CPATH and LIBRARY_PATH whatever -nostdinc says: the
        // host's headers would leak in. The specs are found beside bin/, where
        // the build sees the toolchain.
        std::string wrapper = "#!/bin/sh\n# pkg's " + t.target + " toolchain: the host's gcc for musl (C only).\n" +
                              "unset CPATH C_INCLUDE_PATH LIBRARY_PATH GCC_EXEC_PREFIX COMPILER_PATH\n" +
                              "exec " + gcc->string() + " -specs=\"${0%/bin/*}/musl-gcc.specs\" \"$@\"\n";
        write_file(bin / (t.target + "-gcc"), wrapper, 0755);
        write_file(bin / (t.target + "-cc"), wrapper, 0755);
        if (auto pkg_config = find_program("pkg-config", kHostPath)) {
            // pkg-config of the build machine, reading only the sysroot's .pc files.
            std::string root = request.sysroot_seen.string();
            write_file(bin / (t.target + "-pkg-config"),
                       "#!/bin/sh\nexport PKG_CONFIG_LIBDIR=" + root + "/usr/lib/pkgconfig:" + root +
                           "/usr/share/pkgconfig PKG_CONFIG_SYSROOT_DIR=" + root +
                           " PKG_CONFIG_SYSTEM_INCLUDE_PATH=" + root + "/usr/include PKG_CONFIG_SYSTEM_LIBRARY_PATH=" +
                           root + "/usr/lib\nunset PKG_CONFIG_PATH\nexec " + pkg_config->string() + " \"$@\"\n",
                       0755);
        }
        for (const char* tool : {"ar", "ranlib", "nm", "strip", "objcopy", "objdump", "readelf", "ld", "as"}) {
            link_tool(bin, t.target, tool);
        }
        t.bin = bin;
        t.cc = t.target + "-gcc";
        t.cxx = t.target + "-g++";  // none: C only, until the base set builds a cross gcc
        t.id = sha256_of("musl " + compiler + "\n" + tool_version("ld", {"--version"}) + "\n" + specs +
                                 wrapper);
        return t;
    }
    auto gcc = find_program(t.target + "-gcc", kHostPath);
    if (!gcc) {
        throw with_hint(DependencyError("no compiler for {}: {}-gcc is not on PATH", t.target, t.target),
                        "install a cross compiler for it (Debian: gcc-" + t.target + ")");
    }
    t.cc = t.target + "-gcc";
    t.cxx = t.target + "-g++";
    t.id = sha256_of("cross " + tool_version(t.target + "-gcc", {"--version"}));
    return t;
}

}  // namespace pkg
