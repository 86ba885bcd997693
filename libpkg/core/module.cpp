#include "pkg/module.hpp"

#include <dlfcn.h>

#include <map>
#include <mutex>

#include "pkg/error.hpp"

namespace pkg {

std::filesystem::path module_directory() {
    Dl_info info{};
    // Any address inside libpkg names the file libpkg was loaded from.
    if (dladdr(reinterpret_cast<void*>(&module_directory), &info) == 0 || !info.dli_fname) {
        throw Error("cannot locate libpkg to find its modules");
    }
    return std::filesystem::path(info.dli_fname).parent_path() / "pkg";
}

void* module_symbol(const std::string& name, const char* symbol) {
    static std::mutex mutex;
    static std::map<std::string, void*> handles;  // never closed: modules live as long as the process
    std::lock_guard lock(mutex);
    void*& handle = handles[name];
    std::filesystem::path file = module_directory() / (name + ".so");
    if (!handle) {
        handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!handle) {
            const char* why = dlerror();
            handles.erase(name);
            throw with_hint(Error("cannot load module {}: {}", file.string(), why ? why : "unknown error"),
                            "reinstall pkg: its modules are part of it");
        }
    }
    dlerror();
    void* address = dlsym(handle, symbol);
    if (!address) {
        const char* why = dlerror();
        throw Error("module {} lacks {}: {}", file.string(), symbol, why ? why : "not found");
    }
    return address;
}

}  // namespace pkg
