// The phases of a build by style, and its environment (port(5), BUILDING).

#include "build_script.hpp"

#include <algorithm>

#include "pkg/build/toolchain.hpp"

namespace pkg {
namespace {

std::string join_quoted(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) out += " " + shell_quote(w);
    return out;
}

std::string join(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
    return out;
}

// Every phase of a standard style sources the port's `build` file, which
// holds only hook functions (pre_configure, post_install, ...), and runs a
// hook when the file defines it.
std::string hooked(const BuildPaths& paths, const std::string& phase, const std::string& body) {
    std::string file = shell_quote((paths.port / "build").string());
    return "set -e\n"
           "if [ -f " + file + " ]; then . " + file + "; fi\n"
           "hook() { if command -v \"$1\" >/dev/null 2>&1; then \"$1\"; fi; }\n"
           "hook pre_" + phase + "\n" + body + "\nhook post_" + phase + "\n";
}

std::string cmake_toolchain_file(const Toolchain& t, const BuildPaths& paths) {
    return "set(CMAKE_SYSTEM_NAME Linux)\n"
           "set(CMAKE_SYSTEM_PROCESSOR " + triplet_arch(t.target) + ")\n"
           "set(CMAKE_C_COMPILER " + t.cc + ")\n"
           "set(CMAKE_CXX_COMPILER " + t.cxx + ")\n"
           "set(CMAKE_FIND_ROOT_PATH " + paths.sysroot.string() + ")\n"
           "set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)\n"
           "set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)\n"
           "set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)\n"
           "set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)\n";
}

}  // namespace

std::string shell_quote(std::string_view text) {
    if (!text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   std::string_view("-_./=:,+@%").find(c) != std::string_view::npos;
        })) {
        return std::string(text);
    }
    std::string out = "'";
    for (char c : text) {
        if (c == '\'') {
            out += "'\\''";
        } else {
            out += c;
        }
    }
    return out + "'";
}

std::vector<BuildPhase> build_phases(const Port& port, const std::vector<const Artifact*>& alternatives,
                                     const Toolchain& toolchain, const BuildPaths& paths) {
    std::vector<BuildPhase> phases;
    std::vector<PatchRef> patches = port.patches;
    std::string prepare;
    for (const Artifact* a : alternatives) {
        if (!a) continue;
        patches.insert(patches.end(), a->patches.begin(), a->patches.end());
        if (!a->prepare.empty()) prepare += a->prepare + "\n";
    }
    if (!patches.empty()) {
        std::string script = "set -e\n";
        for (const auto& p : patches) {
            script += "patch -p" + std::to_string(p.strip) + " -i " +
                      shell_quote((paths.port / "patches" / p.file).string()) + "\n";
        }
        phases.push_back({"patch", script});
    }
    if (!prepare.empty()) phases.push_back({"prepare", "set -e\n" + prepare});

    const BuildSpec& b = port.build;
    std::string cross = toolchain.cross ? " --build=\"$BUILD\" --host=\"$HOST\"" : "";
    if (b.style == "gnu") {
        phases.push_back({"configure", hooked(paths, "configure", "./configure --prefix=\"$PREFIX\"" + cross +
                                                                      join_quoted(b.configure))});
        phases.push_back({"build", hooked(paths, "build", "make -j\"$JOBS\"" + join_quoted(b.make))});
        phases.push_back({"install", hooked(paths, "install", "make DESTDIR=\"$DESTDIR\" install" +
                                                                  join_quoted(b.install))});
    } else if (b.style == "cmake") {
        std::string configure =
            "cmake -S . -B _pkgbuild -G 'Unix Makefiles' -DCMAKE_INSTALL_PREFIX=\"$PREFIX\" "
            "-DCMAKE_BUILD_TYPE=None -DCMAKE_INSTALL_LIBDIR=lib";
        if (toolchain.cross) {
            configure = "cat >_pkgbuild-toolchain.cmake <<'PKG_EOF'\n" + cmake_toolchain_file(toolchain, paths) +
                        "PKG_EOF\n" + configure + " -DCMAKE_TOOLCHAIN_FILE=\"$PWD/_pkgbuild-toolchain.cmake\"";
        }
        phases.push_back({"configure", hooked(paths, "configure", configure + join_quoted(b.configure))});
        phases.push_back({"build", hooked(paths, "build", "cmake --build _pkgbuild -j \"$JOBS\"" + join_quoted(b.make))});
        phases.push_back({"install", hooked(paths, "install", "DESTDIR=\"$DESTDIR\" cmake --install _pkgbuild" +
                                                                  join_quoted(b.install))});
    } else if (b.style == "make") {
        phases.push_back({"build", hooked(paths, "build", "make -j\"$JOBS\"" + join_quoted(b.make))});
        phases.push_back({"install", hooked(paths, "install",
                                            "make DESTDIR=\"$DESTDIR\" PREFIX=\"$PREFIX\" install" +
                                                join_quoted(b.install))});
    } else {
        // custom: the port's build script is the whole build.
        phases.push_back({"build", "set -e\n. " + shell_quote((paths.port / "build").string()) + "\n"});
    }
    return phases;
}

bool native_with_sysroot(const BuildSettings& settings, const Toolchain& toolchain) {
    return toolchain.target == toolchain.build && settings.sysroot.lexically_normal() != "/";
}

std::vector<std::string> build_environment(const Port& port, const BuildSettings& settings,
                                           const Toolchain& toolchain, const BuildPaths& paths) {
    std::string path = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin";
    if (!toolchain.bin.empty()) path = (paths.toolchain / "bin").string() + ":" + path;
    std::vector<std::string> env = {
        "PATH=" + path,
        "HOME=" + paths.tmp.string(),
        "TMPDIR=" + paths.tmp.string(),
        "TZ=UTC",
        "LANG=C.UTF-8",
        "SOURCE_DATE_EPOCH=" + std::to_string(port.source_date_epoch),
        "DESTDIR=" + paths.destdir.string(),
        "PREFIX=/usr",
        "JOBS=" + std::to_string(std::max(1u, settings.jobs)),
        "CC=" + toolchain.cc,
        "CXX=" + toolchain.cxx,
        "CFLAGS=" + join(settings.cflags),
        "CXXFLAGS=" + join(settings.cxxflags),
        "LDFLAGS=" + join(settings.ldflags),
        "BUILD=" + toolchain.build,
        "HOST=" + toolchain.target,
        "TARGET=" + toolchain.target,
        "SYSROOT=" + (toolchain.cross || native_with_sysroot(settings, toolchain) ? paths.sysroot.string()
                                                                                 : std::string("/")),
    };
    if (toolchain.cross) env.push_back("CROSS_COMPILE=" + toolchain.target + "-");
    if (native_with_sysroot(settings, toolchain)) {
        // A native build for another root: the build machine's compiler
        // and libc, with the root's headers and libraries searched before
        // the system's (as -I and -L would be).
        env.push_back("CPATH=" + (paths.sysroot / "usr/include").string());
        env.push_back("LIBRARY_PATH=" + (paths.sysroot / "usr/lib").string());
        env.push_back("PKG_CONFIG_PATH=" + (paths.sysroot / "usr/lib/pkgconfig").string());
    }
    std::sort(env.begin(), env.end());
    return env;
}

}  // namespace pkg
