// pkg inspect FILE...: a package's manifest and entries; with --verify, every
// member checked against it (as pacman -Qip and xbps-query -p show a package).

#include <nlohmann/json.hpp>
#include <optional>

#include "command.hpp"
#include "context.hpp"
#include "output/fields.hpp"
#include "pkg/package/package_io.hpp"

namespace pkgmgr {
namespace {

// Reports verification as one progress task, in bytes of content.
class Progress final : public pkg::PackageVisitor {
public:
    Progress(pkg::EventSink& events, const std::string& label) : events_(events), label_(label) {}
    void manifest(const pkg::PackageManifest& m) override {
        std::uint64_t total = 0;
        for (const auto& e : m.entries) total += e.size;
        task_.emplace(events_, label_, "bytes", total);
    }
    void data(const pkg::PackageEntry&, const void*, std::size_t size) override { task_->advance(size); }

private:
    pkg::EventSink& events_;
    std::string label_;
    std::optional<pkg::ProgressTask> task_;
};

class InspectCommand final : public Command {
public:
    std::string_view name() const override { return "inspect"; }
    std::string_view summary() const override { return "Show a binary package; --verify checks every member"; }
    void describe(OptionSink& options) override {
        options.positional_list("FILE", files_, "Package files", true);
        options.flag("--verify", verify_, "Read every member and check its size and sha256");
    }

    int run(Context& context) override {
        nlohmann::ordered_json all = nlohmann::ordered_json::array();
        bool first = true;
        for (const auto& file : files_) {
            pkg::PackageManifest m;
            if (verify_) {
                Progress progress(context.events, file);
                m = pkg::read_package(file, progress);
            } else {
                m = pkg::read_package_manifest(file);
            }
            if (context.json()) {
                all.push_back({{"file", file},
                               {"verified", verify_},
                               {"manifest", nlohmann::ordered_json::parse(m.to_json())}});
                continue;
            }
            if (!first) context.out << '\n';
            first = false;
            print(context.out, file, m);
        }
        if (context.json()) context.print_json({{"packages", all}});
        return 0;
    }

private:
    void print(std::ostream& out, const std::string& file, const pkg::PackageManifest& m) const {
        auto field = [&](std::string_view label, const std::string& value) { print_field(out, label, value, 12); };
        std::uint64_t bytes = 0;
        for (const auto& e : m.entries) bytes += e.size;
        field("File", file);
        field("Name", m.name);
        field("Version", m.version + "-" + m.release);
        field("Arch", m.arch);
        field("Depends", join_or_none(m.depends));
        field("Provides", join_or_none(m.provides));
        field("Conflicts", join_or_none(m.conflicts));
        field("Port hash", m.port_hash.empty() ? "None" : m.port_hash);
        field("Source date", std::to_string(m.source_date_epoch));
        field("Entries", fmt::format("{}, {} bytes in files", m.entries.size(), bytes));
        for (const auto& e : m.entries) {
            std::string line = fmt::format("  {:<8} {:04o} {:>10}  {}", pkg::entry_type_name(e.type), e.mode, e.size, e.path);
            if (!e.target.empty()) line += (e.type == pkg::EntryType::hardlink ? " => " : " -> ") + e.target;
            if (e.config) line += "  (config)";
            out << line << '\n';
        }
        if (verify_) field("Verified", "every member's type, mode, size and sha256 match the manifest");
    }

    std::vector<std::string> files_;
    bool verify_ = false;
};

const CommandRegistration registration([] { return std::make_unique<InspectCommand>(); });

}  // namespace
}  // namespace pkgmgr
