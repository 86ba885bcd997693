#pragma once

#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>

namespace pkgmgr {

/// Text from ports, packages, file names and pkg.conf made safe to show on a
/// terminal: every control character (C0 with newline and tab, DEL, and C1
/// written in UTF-8) and every byte that is not well-formed UTF-8 is spelled
/// `\xNN`, so that no value can move the cursor, change a window title or
/// forge a line. Backslashes stay as they are, so text escaped once (as
/// libpkg's names are) is unchanged. Every text rendering uses it; JSON keeps
/// the exact text.
std::string terminal_text(std::string_view text);

/// Standard output in text mode: whatever a command writes passes through
/// terminal_text line by line, newlines kept, so that even a field a command
/// forgot to escape cannot reach the terminal raw.
class TerminalGuard final : public std::streambuf {
public:
    explicit TerminalGuard(std::ostream& out);
    ~TerminalGuard() override;
    TerminalGuard(const TerminalGuard&) = delete;
    TerminalGuard& operator=(const TerminalGuard&) = delete;

protected:
    int_type overflow(int_type c) override;
    std::streamsize xsputn(const char* data, std::streamsize size) override;
    int sync() override;

private:
    void emit_line();
    std::ostream& out_;
    std::streambuf* original_;
    std::string line_;
};

}  // namespace pkgmgr
