// pkg install FILE...: installs or upgrades binary packages in one
// transaction (DESIGN.md, "A transaction").

#include "command.hpp"
#include "context.hpp"
#include "pkg/error.hpp"
#include "pkg/package/package_io.hpp"
#include "transaction_view.hpp"

namespace pkgmgr {
namespace {

class InstallCommand final : public Command {
public:
    std::string_view name() const override { return "install"; }
    std::string_view summary() const override { return "Install or upgrade binary packages in one transaction"; }
    void describe(OptionSink& options) override {
        options.positional_list("FILE", files_, "Package files (NAME-VERSION-RELEASE-ARCH.pkg.tar.zst)", true);
        options.flag("--dry-run", dry_run_, "Show what would change, and change nothing");
        options.flag("--asdeps", asdeps_, "Record the packages as installed for others (automatic)");
        options.flag("--asexplicit", asexplicit_, "Record the packages as installed explicitly");
        options.flag("--force", force_, "Allow downgrades and changes to held packages");
        options.option_list("--overwrite", overwrite_, "Let the packages take paths matching GLOB", "GLOB");
    }
    RootAccess root_access() const override { return RootAccess::write; }

    int run(Context& context) override {
        if (asdeps_ && asexplicit_) throw pkg::UsageError("--asdeps and --asexplicit exclude each other");
        pkg::TransactionRequest request;
        prepare_request(context, request, "pkg install");
        if (asdeps_) request.command += " --asdeps";
        if (asexplicit_) request.command += " --asexplicit";
        if (force_) request.command += " --force";
        for (const auto& glob : overwrite_) request.command += " --overwrite " + glob;
        for (const auto& file : files_) {
            if (file.find('/') == std::string::npos && !file.ends_with(".pkg.tar.zst")) {
                throw pkg::with_hint(pkg::UsageError("'{}' is not a package file", file),
                                     "give a path to a .pkg.tar.zst (ports are built by a later pkg)");
            }
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
};

const CommandRegistration registration([] { return std::make_unique<InstallCommand>(); });

}  // namespace
}  // namespace pkgmgr
