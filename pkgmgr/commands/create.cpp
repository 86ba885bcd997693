// pkg create: makes a binary package from a staged tree, as xbps-create and
// FreeBSD's pkg create do. Builds call the same writer.

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "command.hpp"
#include "context.hpp"
#include "pkg/error.hpp"
#include "pkg/package/package_io.hpp"
#include "pkg/port/port.hpp"
#include "pkg/version.hpp"
#include "ports_view.hpp"

namespace pkgmgr {
namespace {
namespace fs = std::filesystem;

std::int64_t source_date_epoch() {
    const char* value = std::getenv("SOURCE_DATE_EPOCH");
    if (!value || !*value) return 0;
    std::string text = value;
    if (text.size() > 12 || text.find_first_not_of("0123456789") != std::string::npos) {
        throw pkg::UsageError("SOURCE_DATE_EPOCH must be seconds since 1970, got '{}'", text);
    }
    return std::stoll(text);
}

class CreateCommand final : public Command {
public:
    std::string_view name() const override { return "create"; }
    std::string_view summary() const override { return "Make a binary package from a staged directory"; }
    void describe(OptionSink& options) override {
        options.option("--from", from_, "The staged tree (required)", "DIR");
        options.option("--name", name_, "Package name (required)", "NAME");
        options.option("--pkgver", version_, "Package version, [EPOCH:]VERSION (required)", "VERSION");
        options.option("--release", release_, "Release (default 1)", "N");
        options.option("--arch", arch_, "x86_64, aarch64 or any (default: this machine's)", "ARCH");
        options.option_list("--depends", depends_, "A run dependency, NAME[OP VERSION]", "DEP");
        options.option_list("--provides", provides_, "A virtual name provided", "NAME");
        options.option_list("--conflicts", conflicts_, "A package it conflicts with", "DEP");
        options.option_list("--conf-file", conf_files_, "A configuration file, path in the staged tree", "PATH");
        options.option("-o,--output", output_, "Package file, or a directory for the standard name (required)",
                       "FILE|DIR");
    }

    int run(Context& context) override {
        for (auto [value, option] : {std::pair{&from_, "--from"}, {&name_, "--name"}, {&version_, "--pkgver"},
                                     {&output_, "--output"}}) {
            if (value->empty()) throw pkg::UsageError("{} is required", option);
        }
        if (auto problem = pkg::check_port_name(name_)) throw pkg::UsageError("--name: {}", *problem);
        if (auto problem = pkg::Version::check(version_ + "-" + release_)) throw pkg::UsageError("--pkgver/--release: {}", *problem);
        if (version_.find('-') != std::string::npos) throw pkg::UsageError("--pkgver: '{}' holds a '-' (give --release)", version_);
        std::string arch = arch_.empty() ? pkg::host_arch() : arch_;
        if (!pkg::known_arch(arch)) throw pkg::UsageError("--arch: unknown architecture '{}' (x86_64, aarch64, any)", arch);
        for (const auto* list : {&depends_, &provides_, &conflicts_}) {
            for (const auto& d : *list) {
                std::string why;
                if (!pkg::Dependency::parse(d, &why)) throw pkg::UsageError("{}", why);
            }
        }
        pkg::PackageSpec spec;
        spec.staged = from_;
        spec.metadata.name = name_;
        spec.metadata.version = version_;
        spec.metadata.release = release_;
        spec.metadata.arch = arch;
        spec.metadata.depends = depends_;
        spec.metadata.provides = provides_;
        spec.metadata.conflicts = conflicts_;
        spec.metadata.source_date_epoch = source_date_epoch();
        spec.config_files = conf_files_;
        fs::path output = output_;
        std::error_code ec;
        if (fs::is_directory(output, ec)) output /= spec.metadata.file_name();
        pkg::PackageManifest m = pkg::write_package(spec, output, &context.events);
        std::uint64_t bytes = 0;
        for (const auto& e : m.entries) bytes += e.size;
        if (context.json()) {
            context.print_json({{"file", output.string()},
                                {"manifest", nlohmann::ordered_json::parse(m.to_json())}});
        } else {
            context.out << output.string() << '\n';
            context.events.message({pkg::Level::info,
                                    fmt::format("{} entries, {} bytes of files, package {} bytes", m.entries.size(),
                                                bytes, fs::file_size(output, ec))});
        }
        return 0;
    }

private:
    std::string from_, name_, version_, release_ = "1", arch_, output_;
    std::vector<std::string> depends_, provides_, conflicts_, conf_files_;
};

const CommandRegistration registration([] { return std::make_unique<CreateCommand>(); });

}  // namespace
}  // namespace pkgmgr
