#pragma once

#include "pkg/config.hpp"

namespace pkgmgr {

/// How text output looks; decided once from the terminal, the environment
/// and the configuration, then passed to the renderers (tests build it by hand).
struct Style {
    bool terminal = false;     ///< stderr is a terminal: draw bars, redraw in place
    bool interactive = false;  ///< stdin is a terminal: questions can be asked
    bool color = false;        ///< ANSI colours
    int width = 80;            ///< columns for bars
    int verbosity = 0;         ///< -v minus -q
    bool assume_yes = false;   ///< -y
};

/// Detects the style of this process: isatty on stderr and stdin, the
/// terminal's width, NO_COLOR (set and not empty: no colour, whatever the
/// configuration says) and the `color` setting.
Style detect_style(pkg::ColorMode color, int verbosity, bool assume_yes);

}  // namespace pkgmgr
