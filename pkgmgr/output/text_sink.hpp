#pragma once

#include <istream>
#include <map>
#include <set>
#include <mutex>
#include <ostream>
#include <string>

#include "output/style.hpp"
#include "pkg/events.hpp"

namespace pkgmgr {

/// Renders events as text on stderr. On a terminal, each running task has a
/// bar at the bottom, redrawn in place, and messages scroll above the bars;
/// in a pipe, a task prints one line when it finishes and nothing else, so
/// logs stay clean. Safe to call from several threads.
class TextSink final : public pkg::EventSink {
public:
    TextSink(std::ostream& err, std::istream& in, Style style);
    ~TextSink() override;

    void progress(const pkg::Progress& event) override;
    void message(const pkg::Message& event) override;
    bool ask(const pkg::Question& question) override;

    /// One bar line, exactly `width` columns or fewer (exposed for tests).
    static std::string render_bar(const pkg::Progress& event, int width);

private:
    void clear_bars();
    void draw_bars();
    std::string paint(const std::string& text, const char* ansi) const;

    std::ostream& err_;
    std::istream& in_;
    Style style_;
    std::mutex mutex_;
    std::map<std::uint64_t, pkg::Progress> active_;     ///< in start order (ids increase)
    std::map<std::uint64_t, std::string> last_drawn_;  ///< to redraw only on change
    std::set<std::uint64_t> finished_;                 ///< late events of these are dropped
    std::mutex ask_mutex_;                             ///< one question at a time
    int drawn_lines_ = 0;
};

/// Formats an amount in a unit: bytes as KiB/MiB/GiB, anything else as a count.
std::string format_amount(std::uint64_t amount, const std::string& unit);

}  // namespace pkgmgr
