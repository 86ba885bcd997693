// Removing many names at once (Door::unlink_each): one by one through
// unlink() for any door, and in parallel for the real one, whose removal of
// a large package is otherwise bound by one core's time in the kernel.

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <exception>
#include <system_error>
#include <thread>

#include "pkg/error.hpp"
#include "pkg/root/safe_root.hpp"

namespace pkg {

std::vector<int> Door::unlink_each(const std::vector<std::string>& paths) {
    std::vector<int> errors(paths.size(), 0);
    for (std::size_t i = 0; i < paths.size(); ++i) {
        try {
            unlink(paths[i]);
        } catch (const SystemError& e) {
            errors[i] = e.error_number();
        }
    }
    return errors;
}

namespace {

// Below this many names a thread costs more than it saves.
constexpr std::size_t kNamesPerThread = 512;
constexpr unsigned kMostThreads = 4;

std::string_view directory_of(const std::string& path) {
    std::size_t slash = path.rfind('/');
    return slash == std::string::npos ? std::string_view() : std::string_view(path).substr(0, slash);
}

}  // namespace

void SafeRoot::unlink_range(const std::vector<std::string>& paths, std::size_t begin, std::size_t end,
                            std::vector<int>& errors) const {
    int dir_fd = -1;
    std::string_view dir;
    for (std::size_t i = begin; i < end; ++i) {
        const std::string& path = paths[i];
        std::string name;
        if (dir_fd < 0 || directory_of(path) != dir || dir.empty()) {
            if (dir_fd >= 0) ::close(dir_fd);
            dir_fd = -1;
            try {
                dir_fd = open_parent(path, name);
            } catch (const SystemError& e) {
                errors[i] = e.error_number();
                continue;
            }
            dir = directory_of(path);
        } else {
            name = path.substr(dir.size() + 1);
            if (name.empty() || name == "." || name == "..") {
                ::close(dir_fd);
                throw Error("{}: not a name below the root", path);
            }
        }
        if (::unlinkat(dir_fd, name.c_str(), 0) != 0) errors[i] = errno;
    }
    if (dir_fd >= 0) ::close(dir_fd);
}

std::vector<int> SafeRoot::unlink_each(const std::vector<std::string>& paths) {
    std::vector<int> errors(paths.size(), 0);
    unsigned threads = std::min({std::max(std::thread::hardware_concurrency(), 1u), kMostThreads,
                                 static_cast<unsigned>(paths.size() / kNamesPerThread)});
    if (threads <= 1) {
        unlink_range(paths, 0, paths.size(), errors);
        return errors;
    }
    // Equal shares, each ending where a directory does: two threads never
    // work in one directory (its lock would make them take turns).
    std::vector<std::size_t> bounds{0};
    for (unsigned t = 1; t < threads; ++t) {
        std::size_t at = std::max(bounds.back(), paths.size() * t / threads);
        while (at > 0 && at < paths.size() && directory_of(paths[at]) == directory_of(paths[at - 1])) ++at;
        bounds.push_back(at);
    }
    bounds.push_back(paths.size());
    std::vector<std::exception_ptr> failed(threads);
    std::vector<std::thread> workers;
    for (unsigned t = 1; t < threads; ++t) {
        auto work = [&, t] {
            try {
                unlink_range(paths, bounds[t], bounds[t + 1], errors);
            } catch (...) {
                failed[t] = std::current_exception();
            }
        };
        try {
            workers.emplace_back(work);
        } catch (const std::system_error&) {
            work();  // no thread to be had: this one does that share too
        }
    }
    try {
        unlink_range(paths, bounds[0], bounds[1], errors);
    } catch (...) {
        failed[0] = std::current_exception();
    }
    for (auto& w : workers) w.join();
    for (const auto& f : failed) {
        if (f) std::rethrow_exception(f);
    }
    return errors;
}

}  // namespace pkg
