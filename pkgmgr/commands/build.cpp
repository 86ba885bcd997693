// pkg build PORT...: builds packages into packages-dir/TARGET/, first
// installing into the root the build dependencies it lacks (DESIGN.md, "A
// build").

#include "command.hpp"
#include "context.hpp"
#include "port_builds.hpp"

namespace pkgmgr {
namespace {

class BuildCommand final : public Command {
public:
    std::string_view name() const override { return "build"; }
    std::string_view summary() const override { return "Build ports into packages, in a sandbox"; }
    void describe(OptionSink& options) override {
        options.positional_list("PORT", ports_, "Ports to build", true);
        options.flag("--dry-run", dry_run_, "Show what would be fetched, built, reused and installed, and do nothing");
        options.flag("--rebuild", rebuild_, "Build the ports even when a package of the same port hash exists");
        options.flag("--keep", keep_, "Keep the build directory");
        options.flag("--check-reproducible", reproducible_,
                     "Build each port twice (other directory, time, umask, jobs) and compare the packages; exit 3 when they differ");
        options.flag("--no-sandbox", no_sandbox_, "Build on the host, without the sandbox (a warning says so)");
    }
    // A first install makes its root; a dry run changes nothing, not even that.
    RootAccess root_access() const override { return dry_run_ ? RootAccess::write : RootAccess::create; }

    int run(Context& context) override {
        PortBuildOptions o;
        o.install_targets = false;
        o.dry_run = dry_run_;
        o.rebuild = rebuild_;
        o.keep = keep_;
        o.sandbox = !no_sandbox_;
        o.check_reproducible = reproducible_;
        o.command = "pkg build";
        for (const auto& p : ports_) o.command += " " + p;
        return build_and_install(context, ports_, o);
    }

private:
    std::vector<std::string> ports_;
    bool dry_run_ = false, rebuild_ = false, keep_ = false, no_sandbox_ = false, reproducible_ = false;
};

const CommandRegistration registration([] { return std::make_unique<BuildCommand>(); });

}  // namespace
}  // namespace pkgmgr
