// pkg install FILE...: installs or upgrades binary packages in one
// transaction (DESIGN.md, "A transaction"); pkg install PORT... builds the
// ports and what they need first, and installs each in dependency order.

#include "command.hpp"
#include "context.hpp"
#include "pkg/error.hpp"
#include "pkg/package/package_io.hpp"
#include "port_builds.hpp"
#include "transaction_view.hpp"

namespace pkgmgr {
namespace {

class InstallCommand final : public Command {
public:
    std::string_view name() const override { return "install"; }
    std::string_view summary() const override { return "Install packages, or build and install ports"; }
    void describe(OptionSink& options) override {
        options.positional_list("FILE|PORT", files_,
                                "Package files (NAME-VERSION-RELEASE-ARCH.pkg.tar.zst) or ports to build", true);
        options.flag("--dry-run", dry_run_, "Show what would change, and change nothing");
        options.flag("--asdeps", asdeps_, "Record the packages as installed for others (automatic)");
        options.flag("--asexplicit", asexplicit_, "Record the packages as installed explicitly");
        options.flag("--force", force_, "Allow downgrades and changes to held packages");
        options.option_list("--overwrite", overwrite_, "Let the packages take paths matching GLOB", "GLOB");
        options.flag("--rebuild", rebuild_, "Build the named ports even when a package of the same port hash exists");
        options.flag("--keep", keep_, "Keep the build directories");
        options.flag("--no-sandbox", no_sandbox_, "Build on the host, without the sandbox (a warning says so)");
    }
    // A first install makes its root; a dry run changes nothing, not even that.
    RootAccess root_access() const override { return dry_run_ ? RootAccess::write : RootAccess::create; }

    int run(Context& context) override {
        if (asdeps_ && asexplicit_) throw pkg::UsageError("--asdeps and --asexplicit exclude each other");
        pkg::TransactionRequest request;
        prepare_request(context, request, "pkg install");
        if (asdeps_) request.command += " --asdeps";
        if (asexplicit_) request.command += " --asexplicit";
        if (force_) request.command += " --force";
        for (const auto& glob : overwrite_) request.command += " --overwrite " + glob;
        std::vector<std::string> ports, files;
        for (const auto& arg : files_) {
            bool is_file = arg.find('/') != std::string::npos || arg.ends_with(".pkg.tar.zst");
            (is_file ? files : ports).push_back(arg);
        }
        if (!ports.empty()) {
            if (asdeps_ || !overwrite_.empty()) {
                throw pkg::UsageError("--asdeps and --overwrite apply to package files, not to ports");
            }
            PortBuildOptions o;
            o.dry_run = dry_run_;
            o.rebuild = rebuild_;
            o.keep = keep_;
            o.sandbox = !no_sandbox_;
            o.command = request.command;
            for (const auto& p : ports) o.command += " " + p;
            int status = build_and_install(context, ports, o);
            if (files.empty() || status != 0) return status;
        }
        for (const auto& file : files) {
            request.plan.install.push_back(pkg::read_package_manifest(file));
            request.files.emplace_back(file);
            request.command += " " + file;
        }
        request.plan.reason = asdeps_ ? pkg::db::Reason::automatic : pkg::db::Reason::explicit_;
        request.reason_given = asdeps_ || asexplicit_;
        request.plan.force = force_;
        request.plan.overwrite = overwrite_;
        return run_and_report(context, request, dry_run_);
    }

private:
    std::vector<std::string> files_, overwrite_;
    bool dry_run_ = false, asdeps_ = false, asexplicit_ = false, force_ = false;
    bool rebuild_ = false, keep_ = false, no_sandbox_ = false;
};

const CommandRegistration registration([] { return std::make_unique<InstallCommand>(); });

}  // namespace
}  // namespace pkgmgr
