#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pkgmgr {

class Context;

/// What a command needs of the root; the driver (main.cpp) provides it in
/// one place before the command runs.
enum class RootAccess {
    none,  ///< nothing: the command works on ports, packages or the configuration
    read,  ///< a read-only view of the installed database, without a lock
    write,  ///< the root's lock and the database opened for writing
    /// As write, and a root that does not exist yet is made first (the
    /// commands that add packages: a first install into a scratch root).
    create,
};

/// How a command declares its options and arguments. main.cpp implements it
/// over CLI11, so that only one file includes CLI11's header.
class OptionSink {
public:
    virtual ~OptionSink() = default;
    /// `names` as CLI11 takes them: "-f,--force".
    virtual void flag(const std::string& names, bool& target, const std::string& help) = 0;
    virtual void option(const std::string& names, std::string& target, const std::string& help,
                        const std::string& value_name) = 0;
    /// May be given several times; each value is appended.
    virtual void option_list(const std::string& names, std::vector<std::string>& target,
                             const std::string& help, const std::string& value_name) = 0;
    virtual void positional(const std::string& name, std::string& target, const std::string& help,
                            bool required) = 0;
    virtual void positional_list(const std::string& name, std::vector<std::string>& target,
                                 const std::string& help, bool required) = 0;
};

/// One `pkg` command. Each lives in its own file under commands/ and
/// registers itself with a static CommandRegistration.
class Command {
public:
    virtual ~Command() = default;
    virtual std::string_view name() const = 0;
    virtual std::string_view summary() const = 0;
    virtual void describe(OptionSink& options) = 0;
    virtual RootAccess root_access() const { return RootAccess::none; }
    /// Runs after the options are parsed and the configuration is loaded;
    /// returns the exit status (errors are thrown, not returned).
    virtual int run(Context& context) = 0;
};

using CommandFactory = std::function<std::unique_ptr<Command>()>;

/// Every command linked into the executable, sorted by name.
std::vector<std::unique_ptr<Command>> make_commands();

struct CommandRegistration {
    explicit CommandRegistration(CommandFactory factory);
};

}  // namespace pkgmgr
