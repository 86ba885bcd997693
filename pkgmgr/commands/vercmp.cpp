// pkg vercmp A B: compares two versions as pacman's vercmp does.

#include <nlohmann/json.hpp>

#include "command.hpp"
#include "context.hpp"
#include "pkg/error.hpp"
#include "pkg/version.hpp"

namespace pkgmgr {
namespace {

class VercmpCommand final : public Command {
public:
    std::string_view name() const override { return "vercmp"; }
    std::string_view summary() const override {
        return "Compare two versions: print -1, 0 or 1";
    }
    void describe(OptionSink& options) override {
        options.positional("A", a_, "First version", true);
        options.positional("B", b_, "Second version", true);
    }
    int run(Context& context) override {
        for (const std::string* v : {&a_, &b_}) {
            if (auto problem = pkg::Version::check(*v)) {
                throw pkg::UsageError("invalid version '{}': {}", *v, *problem);
            }
        }
        int result = pkg::vercmp(a_, b_);
        if (context.json()) {
            context.print_json(nlohmann::ordered_json{{"a", a_}, {"b", b_}, {"result", result}});
        } else {
            context.out << result << '\n';
        }
        return 0;
    }

private:
    std::string a_;
    std::string b_;
};

const CommandRegistration registration([] { return std::make_unique<VercmpCommand>(); });

}  // namespace
}  // namespace pkgmgr
