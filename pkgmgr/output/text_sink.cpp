#include "output/text_sink.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "output/escape.hpp"

namespace pkgmgr {
namespace {

const char* kRed = "\x1b[1;31m";
const char* kYellow = "\x1b[1;33m";
const char* kDim = "\x1b[2m";
const char* kBold = "\x1b[1m";

}  // namespace

std::string format_amount(std::uint64_t amount, const std::string& unit) {
    if (unit != "bytes") return unit.empty() ? std::to_string(amount) : fmt::format("{} {}", amount, unit);
    if (amount < 1024) return fmt::format("{} B", amount);
    const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
    double value = static_cast<double>(amount) / 1024.0;
    int i = 0;
    while (value >= 1024.0 && i < 3) {
        value /= 1024.0;
        ++i;
    }
    return fmt::format("{:.1f} {}", value, units[i]);
}

std::string TextSink::render_bar(const pkg::Progress& event, int width) {
    // Fixed columns, so that bars do not move as the amounts change:
    // label, bar (only when the total is known), then percent and amount.
    constexpr int kTailWidth = 26;
    std::string amount;
    int percent = -1;
    if (event.total > 0) {
        std::uint64_t done = std::min(event.done, event.total);
        percent = static_cast<int>(done * 100 / event.total);
        amount = fmt::format("{}/{}", format_amount(event.done, event.unit),
                             format_amount(event.total, event.unit));
    } else {
        amount = format_amount(event.done, event.unit);
    }
    std::string tail = percent >= 0 ? fmt::format("{:>3}% {:>{}}", percent, amount, kTailWidth - 5)
                                    : fmt::format("{:>{}}", amount, kTailWidth);
    // A download's speed and time left, when measured and there is room.
    if (event.rate > 0 && width >= 70) {
        std::string eta = "";
        if (event.total > event.done) {
            std::uint64_t seconds = (event.total - event.done) / event.rate;
            eta = seconds >= 360000 ? "--:--" : fmt::format("{}:{:02}", seconds / 60, seconds % 60);
        }
        tail += fmt::format(" {:>10}/s {:>6}", format_amount(event.rate, event.unit), eta);
    }
    int room = std::max(width - static_cast<int>(tail.size()), 0);
    int bar_width = percent >= 0 ? std::clamp(room / 3, 0, 30) : 0;
    int label_width = room - (bar_width > 0 ? bar_width + 3 : 1);  // " [" "]" or " "
    if (label_width < 8) {  // too narrow for a bar: label and amount only
        bar_width = 0;
        label_width = std::max(room - 1, 0);
    }
    std::string label = terminal_text(event.label);
    if (static_cast<int>(label.size()) > label_width) {
        label = label_width > 3 ? label.substr(0, label_width - 3) + "..." : label.substr(0, label_width);
    }
    std::string line = label + std::string(label_width - label.size(), ' ');
    if (bar_width > 0) {
        int filled = bar_width * percent / 100;
        line += " [" + std::string(filled, '#') + std::string(bar_width - filled, '-') + "]";
    } else {
        line += ' ';
    }
    line += tail;
    if (static_cast<int>(line.size()) > width) line.resize(std::max(width, 0));
    return line;
}

TextSink::TextSink(std::ostream& err, std::istream& in, Style style)
    : err_(err), in_(in), style_(style) {}

TextSink::~TextSink() {
    std::lock_guard lock(mutex_);
    clear_bars();
    err_.flush();
}

std::string TextSink::paint(const std::string& text, const char* ansi) const {
    if (!style_.color) return text;
    return std::string(ansi) + text + "\x1b[0m";
}

void TextSink::clear_bars() {
    if (drawn_lines_ == 0) return;
    err_ << fmt::format("\x1b[{}A\r\x1b[J", drawn_lines_);
    drawn_lines_ = 0;
}

void TextSink::draw_bars() {
    for (const auto& [id, event] : active_) {
        err_ << render_bar(event, style_.width - 1) << '\n';
        ++drawn_lines_;
    }
    err_.flush();
}

void TextSink::progress(const pkg::Progress& event) {
    if (style_.verbosity < 0) return;
    std::lock_guard lock(mutex_);
    if (!style_.terminal) {
        if (!event.finished) return;
        std::string amount = format_amount(event.done, event.unit);
        err_ << terminal_text(event.label) << ": " << (event.failed ? "failed after " : "") << amount << '\n';
        err_.flush();
        return;
    }
    if (finished_.count(event.task)) return;
    std::string bar = event.failed ? terminal_text(event.label) + ": failed" : render_bar(event, style_.width - 1);
    if (event.finished) {
        finished_.insert(event.task);
        clear_bars();
        active_.erase(event.task);
        last_drawn_.erase(event.task);
        err_ << bar << '\n';  // a finished task's last bar stays on screen
        draw_bars();
        return;
    }
    auto drawn = last_drawn_.find(event.task);
    if (drawn != last_drawn_.end() && drawn->second == bar) return;
    last_drawn_[event.task] = bar;
    active_[event.task] = event;
    clear_bars();
    draw_bars();
}

void TextSink::message(const pkg::Message& event) {
    int threshold = style_.verbosity > 0 ? 0 : (style_.verbosity < 0 ? 2 : 1);
    if (static_cast<int>(event.level) < threshold) return;
    std::lock_guard lock(mutex_);
    clear_bars();
    std::string text = terminal_text(event.text);
    switch (event.level) {
        case pkg::Level::debug: err_ << paint("debug:", kDim) << ' ' << text << '\n'; break;
        case pkg::Level::info: err_ << text << '\n'; break;
        case pkg::Level::warning: err_ << paint("warning:", kYellow) << ' ' << text << '\n'; break;
        case pkg::Level::error: err_ << paint("error:", kRed) << ' ' << text << '\n'; break;
    }
    draw_bars();
}

bool TextSink::ask(const pkg::Question& question) {
    // One question at a time; the output lock is not held while the user
    // thinks, so that other threads' progress is not stalled behind stdin.
    std::lock_guard one_question(ask_mutex_);
    const char* choices = question.default_answer ? "[Y/n]" : "[y/N]";
    std::string prompt = paint("::", kBold) + ' ' + terminal_text(question.text) + ' ' + choices + ' ';
    bool answer = question.default_answer;
    if (style_.assume_yes || !style_.interactive) {
        answer = style_.assume_yes || answer;
        if (style_.verbosity < 0) return answer;  // -q: a question answered for the user is not shown
        std::lock_guard lock(mutex_);
        clear_bars();
        err_ << prompt << (answer ? "y" : "n")
             << (style_.assume_yes ? " (--yes)\n" : " (no terminal: default)\n");
        draw_bars();
        return answer;
    }
    {
        std::lock_guard lock(mutex_);
        clear_bars();
        err_ << prompt;
        err_.flush();
    }
    std::string line;
    bool got = static_cast<bool>(std::getline(in_, line));
    if (got && !line.empty()) answer = line[0] == 'y' || line[0] == 'Y';
    std::lock_guard lock(mutex_);
    if (!got) err_ << '\n';
    draw_bars();
    return answer;
}

}  // namespace pkgmgr
