#include "output/style.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>

namespace pkgmgr {

Style detect_style(pkg::ColorMode color, int verbosity, bool assume_yes) {
    Style style;
    style.terminal = isatty(STDERR_FILENO) == 1;
    style.interactive = isatty(STDIN_FILENO) == 1;
    style.verbosity = verbosity;
    style.assume_yes = assume_yes;
    const char* no_color = std::getenv("NO_COLOR");
    bool no_color_set = no_color && *no_color;
    const char* term = std::getenv("TERM");
    bool dumb = term && std::string_view(term) == "dumb";
    switch (color) {
        case pkg::ColorMode::always: style.color = !no_color_set; break;
        case pkg::ColorMode::never: style.color = false; break;
        case pkg::ColorMode::automatic: style.color = style.terminal && !dumb && !no_color_set; break;
    }
    struct winsize ws {};
    if (style.terminal && ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
        style.width = ws.ws_col;
    } else if (const char* columns = std::getenv("COLUMNS")) {
        int n = std::atoi(columns);
        if (n > 20) style.width = n;
    }
    return style;
}

}  // namespace pkgmgr
