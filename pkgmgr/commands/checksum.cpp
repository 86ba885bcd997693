// pkg checksum PORT...: downloads every artifact of each port's sources and
// pins its digest and size in port.json, editing only those values.

#include <nlohmann/json.hpp>

#include "command.hpp"
#include "context.hpp"
#include "pkg/error.hpp"
#include "pkg/port/ports_tree.hpp"
#include "source_pins.hpp"

namespace pkgmgr {
namespace {

class ChecksumCommand final : public Command {
public:
    std::string_view name() const override { return "checksum"; }
    std::string_view summary() const override { return "Download ports' sources and pin their digests and sizes"; }
    void describe(OptionSink& options) override {
        options.positional_list("PORT", ports_, "Ports whose sources to pin", true);
        options.flag("--force", force_, "Replace a pinned digest or size that differs from what was downloaded");
    }

    int run(Context& context) override {
        pkg::PortsTree tree = pkg::PortsTree::load(context.config.ports);
        std::vector<const pkg::Port*> ports;
        for (const auto& name : ports_) {
            // A port whose problems are missing digests is what this command
            // is for: it is taken with its problems, not refused.
            const pkg::PortRead* read = tree.find(name);
            if (!read || !read->port) tree.get(name);  // throws: no such port, or its first error
            ports.push_back(&*read->port);
        }
        nlohmann::ordered_json pins = pin_sources(context, ports, force_);
        if (context.json()) {
            context.print_json({{"pinned", pins}});
        } else {
            print_pins(context.out, pins);
        }
        return 0;
    }

private:
    std::vector<std::string> ports_;
    bool force_ = false;
};

const CommandRegistration registration([] { return std::make_unique<ChecksumCommand>(); });

}  // namespace
}  // namespace pkgmgr
