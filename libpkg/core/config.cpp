#include "pkg/config.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <functional>

#include "pkg/error.hpp"
#include "pkg/file_read.hpp"

extern char** environ;

namespace pkg {
namespace fs = std::filesystem;
namespace {

enum class Type { path, optional_path, paths, words, count, seconds, bytes, color, sync, triplet };

// One known key: its type, its built-in default, and where it lands in Config.
struct Key {
    const char* name;
    Type type;
    const char* default_value;
};

const Key kKeys[] = {
    {"root", Type::path, "/"},
    {"ports", Type::paths, "/usr/ports"},
    {"cache-dir", Type::path, "/var/cache/pkg/distfiles"},
    {"packages-dir", Type::path, "/var/cache/pkg/packages"},
    {"build-dir", Type::path, "/var/tmp/pkg"},
    {"profiles-dir", Type::path, "/usr/share/pkg/profiles"},
    {"jobs", Type::count, "0"},
    {"assume-installed", Type::words, ""},
    {"color", Type::color, "auto"},
    {"sync", Type::sync, "syncfs"},
    {"mirrors", Type::words, ""},
    {"fetch-connect-timeout", Type::seconds, "10"},
    {"fetch-low-speed-time", Type::seconds, "15"},
    {"fetch-low-speed-limit", Type::bytes, "1000"},
    {"fetch-retries", Type::count, "2"},
    {"fetch-backoff", Type::seconds, "1"},
    {"fetch-deadline", Type::seconds, "120"},
    {"fetch-max-size", Type::bytes, "4G"},
    {"debian-sources", Type::optional_path, ""},
    {"target", Type::triplet, ""},
    {"cflags", Type::words, "-O2 -pipe"},
    {"cxxflags", Type::words, "-O2 -pipe"},
    {"ldflags", Type::words, ""},
    {"build-timeout", Type::seconds, "0"},
};

// "1000", "64K", "4G": a size in bytes.
std::optional<std::uint64_t> parse_bytes(const std::string& text) {
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end == text.data()) return std::nullopt;
    std::string_view rest(end, text.data() + text.size() - end);
    unsigned shift = rest == "" ? 0 : rest == "K" ? 10 : rest == "M" ? 20 : rest == "G" ? 30 : rest == "T" ? 40 : 99;
    if (shift == 99 || (shift > 0 && value > (UINT64_MAX >> shift))) return std::nullopt;
    return value << shift;
}

}  // namespace

bool valid_triplet(std::string_view text) {
    if (text.empty() || text.size() > 64 || text.front() == '-' || text.back() == '-') return false;
    if (text.find("--") != std::string_view::npos || text.find('-') == std::string_view::npos) return false;
    return std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
               c == '.' || c == '-';
    });
}

namespace {

const Key* find_key(std::string_view name) {
    for (const Key& key : kKeys) {
        if (name == key.name) return &key;
    }
    return nullptr;
}

std::string env_name(std::string_view key) {
    std::string out = kEnvPrefix;
    for (char c : key) out += c == '-' ? '_' : static_cast<char>(std::toupper(c));
    return out;
}

std::vector<std::string> split(std::string_view text, std::string_view separators) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < text.size()) {
        size_t start = text.find_first_not_of(separators, i);
        if (start == std::string_view::npos) break;
        size_t end = text.find_first_of(separators, start);
        if (end == std::string_view::npos) end = text.size();
        out.emplace_back(text.substr(start, end - start));
        i = end;
    }
    return out;
}

std::string_view trim(std::string_view s) {
    size_t b = s.find_first_not_of(" \t\r");
    if (b == std::string_view::npos) return {};
    size_t e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}

// A value as one layer gives it: its words (already absolute for paths) and origin.
struct Setting {
    std::vector<std::string> words;
    std::string origin;
};

// Applies one layer's value for `key` after checking it; `fail` throws the
// layer's own kind of error (FileError with a line, or UsageError).
using Fail = std::function<void(const std::string&)>;

Setting make_setting(const Key& key, std::vector<std::string> words, const fs::path& base,
                     std::string origin, const Fail& fail) {
    switch (key.type) {
        case Type::path:
        case Type::count:
        case Type::seconds:
        case Type::bytes:
        case Type::color:
        case Type::sync:
            if (words.size() != 1) {
                fail(fmt::format("'{}' takes exactly one value, got {}", key.name, words.size()));
            }
            break;
        case Type::optional_path:
            if (words.size() > 1) fail(fmt::format("'{}' takes one path, got {}", key.name, words.size()));
            break;
        case Type::paths:
            if (words.empty()) fail(fmt::format("'{}' needs at least one directory", key.name));
            break;
        case Type::words: break;
        case Type::triplet:
            if (words.size() > 1) fail(fmt::format("'{}' takes one triplet, got {}", key.name, words.size()));
            break;
    }
    if (key.type == Type::path || key.type == Type::paths || key.type == Type::optional_path) {
        for (auto& w : words) w = (base / w).lexically_normal().string();
    }
    if (key.type == Type::count) {
        unsigned value = 0;
        const std::string& w = words[0];
        auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), value);
        if (ec != std::errc() || end != w.data() + w.size() || value > 4096) {
            fail(fmt::format("'{}' must be a number from 0 to 4096 (0: one per CPU), got '{}'",
                             key.name, w));
        }
    }
    if (key.type == Type::seconds) {
        unsigned value = 0;
        const std::string& w = words[0];
        auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), value);
        if (ec != std::errc() || end != w.data() + w.size() || value > 86400) {
            fail(fmt::format("'{}' must be a number of seconds from 0 to 86400, got '{}'", key.name, w));
        }
    }
    if (key.type == Type::bytes && !parse_bytes(words[0])) {
        fail(fmt::format("'{}' must be a size in bytes, optionally with K, M, G or T, got '{}'", key.name,
                         words[0]));
    }
    if (key.type == Type::color && words[0] != "auto" && words[0] != "always" &&
        words[0] != "never") {
        fail(fmt::format("'{}' must be auto, always or never, got '{}'", key.name, words[0]));
    }
    if (key.type == Type::sync && words[0] != "syncfs" && words[0] != "fdatasync") {
        fail(fmt::format("'{}' must be syncfs or fdatasync, got '{}'", key.name, words[0]));
    }
    if (key.type == Type::triplet && !words.empty() && !valid_triplet(words[0])) {
        fail(fmt::format("'{}' must be a target triplet such as x86_64-linux-musl, got '{}'", key.name,
                         words[0]));
    }
    return Setting{std::move(words), std::move(origin)};
}

struct Layers {
    std::map<std::string, Setting> settings;
    std::map<std::string, std::string> providers;
    std::map<std::string, std::string> provider_origin;
};

void read_file(const fs::path& file, Layers& layers) {
    std::istringstream in(read_text_file(file, "configuration file"));
    fs::path base = file.parent_path();  // absolute: load_config made it so
    std::map<std::string, int> seen;
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        std::string_view text = trim(line);
        if (text.empty() || text.front() == '#') continue;
        auto fail = [&](const std::string& why) {
            throw FileError(file.string(), number, 0, "{}", why);
        };
        size_t eq = text.find('=');
        if (eq == std::string_view::npos) fail(fmt::format("expected 'key = value', got '{}'", text));
        std::string name(trim(text.substr(0, eq)));
        std::string_view value = trim(text.substr(eq + 1));
        if (name.empty()) fail("missing key before '='");
        if (auto it = seen.find(name); it != seen.end()) {
            fail(fmt::format("'{}' is set again (first set on line {})", name, it->second));
        }
        seen[name] = number;
        std::string origin = fmt::format("{}:{}", file.string(), number);
        if (name.starts_with("provider.")) {
            std::string virtual_name = name.substr(9);
            auto words = split(value, " \t");
            if (virtual_name.empty() || words.size() != 1) {
                fail(fmt::format("'{}' must name one port: 'provider.NAME = PORT'", name));
            }
            layers.providers[virtual_name] = words[0];
            layers.provider_origin[name] = origin;
            continue;
        }
        const Key* key = find_key(name);
        if (!key) fail(fmt::format("unknown key '{}'", name));
        layers.settings[name] = make_setting(*key, split(value, " \t"), base, origin, fail);
    }
    if (in.bad()) throw SystemError{errno, file, "cannot read configuration file {}", file.string()};
}

unsigned cpu_count() {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? static_cast<unsigned>(n) : 1;
}

}  // namespace

Config load_config(const ConfigSources& sources) {
    Layers layers;
    for (const Key& key : kKeys) {
        layers.settings[key.name] = Setting{split(key.default_value, " "), "default"};
    }

    std::optional<fs::path> file = sources.config_file;
    if (!file) {
        if (auto it = sources.environment.find(env_name("config"));
            it != sources.environment.end() && !it->second.empty()) {
            file = sources.working_directory / it->second;
        }
    }
    if (file && file->is_relative()) file = sources.working_directory / *file;
    std::error_code ec;
    if (file) {
        read_file(*file, layers);
    } else if (!sources.default_file.empty() && fs::exists(fs::symlink_status(sources.default_file, ec))) {
        file = sources.default_file;
        read_file(*file, layers);
    }

    for (const Key& key : kKeys) {
        auto it = sources.environment.find(env_name(key.name));
        if (it == sources.environment.end()) continue;
        std::string var = it->first;
        auto fail = [&](const std::string& why) {
            throw UsageError("environment variable {}: {}", var, why);
        };
        // A list of directories is colon-separated, as PATH; other lists space-separated.
        auto words = split(it->second, key.type == Type::paths ? ":" : " \t");
        layers.settings[key.name] = make_setting(key, std::move(words), sources.working_directory,
                                                 fmt::format("environment ({})", var), fail);
    }

    for (const auto& entry : sources.command_line) {
        const std::string& name = entry.first;
        const std::vector<std::string>& values = entry.second;
        const Key* key = find_key(name);
        if (!key) throw UsageError("unknown configuration key '{}'", name);
        auto fail = [&](const std::string& why) { throw UsageError("--{}: {}", name, why); };
        std::vector<std::string> words;
        for (const auto& v : values) {
            // Split as the environment's value is: the same text means the same thing.
            auto parts = split(v, key->type == Type::paths ? ":" : " \t");
            words.insert(words.end(), parts.begin(), parts.end());
        }
        layers.settings[name] =
            make_setting(*key, std::move(words), sources.working_directory, "command line", fail);
    }

    Config config;
    auto& s = layers.settings;
    config.root = s["root"].words[0];
    config.ports.assign(s["ports"].words.begin(), s["ports"].words.end());
    config.cache_dir = s["cache-dir"].words[0];
    config.packages_dir = s["packages-dir"].words[0];
    config.build_dir = s["build-dir"].words[0];
    config.profiles_dir = s["profiles-dir"].words[0];
    unsigned jobs = static_cast<unsigned>(std::stoul(s["jobs"].words[0]));
    config.jobs_setting = jobs;
    config.jobs = jobs == 0 ? cpu_count() : jobs;
    config.assume_installed = s["assume-installed"].words;
    const std::string& color = s["color"].words[0];
    config.color = color == "always"  ? ColorMode::always
                   : color == "never" ? ColorMode::never
                                      : ColorMode::automatic;
    config.sync_fdatasync = s["sync"].words[0] == "fdatasync";
    config.mirrors = s["mirrors"].words;
    auto seconds = [&](const char* key) { return static_cast<unsigned>(std::stoul(s[key].words[0])); };
    config.fetch.connect_timeout = seconds("fetch-connect-timeout");
    config.fetch.low_speed_time = seconds("fetch-low-speed-time");
    config.fetch.low_speed_limit = *parse_bytes(s["fetch-low-speed-limit"].words[0]);
    config.fetch.retries = seconds("fetch-retries");
    config.fetch.backoff = seconds("fetch-backoff");
    config.fetch.deadline = seconds("fetch-deadline");
    config.fetch.max_size = *parse_bytes(s["fetch-max-size"].words[0]);
    if (!s["debian-sources"].words.empty()) config.debian_sources = s["debian-sources"].words[0];
    config.target = s["target"].words.empty() ? build_triplet() : s["target"].words[0];
    config.cflags = s["cflags"].words;
    config.cxxflags = s["cxxflags"].words;
    config.ldflags = s["ldflags"].words;
    config.build_timeout = seconds("build-timeout");
    config.fetch_setting["fetch-low-speed-limit"] = s["fetch-low-speed-limit"].words[0];
    config.fetch_setting["fetch-max-size"] = s["fetch-max-size"].words[0];
    config.providers = layers.providers;
    for (auto& [name, setting] : s) config.origin[name] = setting.origin;
    for (auto& [name, origin] : layers.provider_origin) config.origin[name] = origin;
    config.file = file;
    return config;
}

std::string build_triplet() {
#if defined(__x86_64__)
    std::string arch = "x86_64";
#elif defined(__aarch64__)
    std::string arch = "aarch64";
#elif defined(__i386__)
    std::string arch = "i686";
#elif defined(__riscv) && __riscv_xlen == 64
    std::string arch = "riscv64";
#elif defined(__arm__)
    std::string arch = "arm";
#else
    std::string arch = "unknown";
#endif
#if defined(__GLIBC__)
    return arch + "-linux-gnu";
#else
    return arch + "-linux-musl";
#endif
}

std::map<std::string, std::string> current_environment() {
    std::map<std::string, std::string> out;
    std::string_view prefix = kEnvPrefix;
    for (char** e = environ; e && *e; ++e) {
        std::string_view entry = *e;
        if (!entry.starts_with(prefix)) continue;
        size_t eq = entry.find('=');
        if (eq == std::string_view::npos) continue;
        out.emplace(entry.substr(0, eq), entry.substr(eq + 1));
    }
    return out;
}

const std::vector<std::string>& config_keys() {
    static const std::vector<std::string> keys = [] {
        std::vector<std::string> out;
        for (const Key& key : kKeys) out.emplace_back(key.name);
        return out;
    }();
    return keys;
}

std::string config_value(const Config& config, const std::string& key) {
    auto join = [](const auto& items) {
        std::string out;
        for (const auto& item : items) {
            if (!out.empty()) out += ' ';
            if constexpr (std::is_same_v<std::decay_t<decltype(item)>, fs::path>) {
                out += item.string();
            } else {
                out += item;
            }
        }
        return out;
    };
    if (key == "root") return config.root.string();
    if (key == "ports") return join(config.ports);
    if (key == "cache-dir") return config.cache_dir.string();
    if (key == "packages-dir") return config.packages_dir.string();
    if (key == "build-dir") return config.build_dir.string();
    if (key == "profiles-dir") return config.profiles_dir.string();
    if (key == "jobs") return std::to_string(config.jobs_setting);
    if (key == "assume-installed") return join(config.assume_installed);
    if (key == "color") {
        return config.color == ColorMode::always  ? "always"
               : config.color == ColorMode::never ? "never"
                                                  : "auto";
    }
    if (key == "sync") return config.sync_fdatasync ? "fdatasync" : "syncfs";
    if (key == "mirrors") return join(config.mirrors);
    if (key == "fetch-connect-timeout") return std::to_string(config.fetch.connect_timeout);
    if (key == "fetch-low-speed-time") return std::to_string(config.fetch.low_speed_time);
    if (key == "fetch-retries") return std::to_string(config.fetch.retries);
    if (key == "fetch-backoff") return std::to_string(config.fetch.backoff);
    if (key == "fetch-deadline") return std::to_string(config.fetch.deadline);
    if (key == "fetch-low-speed-limit" || key == "fetch-max-size") {
        auto it = config.fetch_setting.find(key);
        if (it != config.fetch_setting.end()) return it->second;
        return std::to_string(key == "fetch-max-size" ? config.fetch.max_size : config.fetch.low_speed_limit);
    }
    if (key == "debian-sources") return config.debian_sources ? config.debian_sources->string() : "";
    if (key == "target") return config.target;
    if (key == "cflags") return join(config.cflags);
    if (key == "cxxflags") return join(config.cxxflags);
    if (key == "ldflags") return join(config.ldflags);
    if (key == "build-timeout") return std::to_string(config.build_timeout);
    if (key.starts_with("provider.")) {
        auto it = config.providers.find(key.substr(9));
        if (it != config.providers.end()) return it->second;
    }
    throw UsageError("unknown configuration key '{}'", key);
}

}  // namespace pkg
