#include "output/text_sink.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include "support/process.hpp"

namespace {

using pkgmgr::Style;
using pkgmgr::TextSink;

// Escape sequences spelled out, so golden files stay readable.
std::string visible(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '\x1b') out += "<ESC>";
        else if (c == '\r') out += "<CR>";
        else out += c;
    }
    return out;
}

Style terminal_style(int width = 60) {
    Style s;
    s.terminal = true;
    s.width = width;
    return s;
}

// Two downloads at once on a terminal, a warning in between.
void two_tasks(pkg::EventSink& sink) {
    pkg::ProgressTask a(sink, "zlib-1.3.tar.gz", "bytes", 4096);
    pkg::ProgressTask b(sink, "musl-1.2.4.tar.gz", "bytes", 0);
    a.advance(1024);
    b.advance(300);
    sink.message({pkg::Level::warning, "mirror 1 refused, trying mirror 2"});
    a.advance(1024);
    a.advance(0);  // no change: no redraw
    a.advance(2048);
    a.finish();
    b.advance(700);
    b.finish();
}

TEST(TextSink, TerminalDrawsBarsForSeveralTasksGolden) {
    std::ostringstream err;
    std::istringstream in;
    {
        TextSink sink(err, in, terminal_style());
        two_tasks(sink);
        sink.message({pkg::Level::info, "done"});
    }
    EXPECT_EQ("", pkgtest::check_golden("text-sink-terminal.txt", visible(err.str())));
}

TEST(TextSink, PipePrintsOneLinePerFinishedTaskGolden) {
    std::ostringstream err;
    std::istringstream in;
    {
        TextSink sink(err, in, Style{});
        two_tasks(sink);
    }
    EXPECT_EQ("", pkgtest::check_golden("text-sink-pipe.txt", err.str()));
    EXPECT_EQ(err.str().find('\x1b'), std::string::npos);
}

TEST(TextSink, QuietDropsProgressAndInfoButKeepsWarnings) {
    std::ostringstream err;
    std::istringstream in;
    Style s = terminal_style();
    s.verbosity = -1;
    TextSink sink(err, in, s);
    pkg::ProgressTask task(sink, "x", "files", 3);
    task.advance(3);
    task.finish();
    sink.message({pkg::Level::info, "hidden"});
    sink.message({pkg::Level::debug, "hidden too"});
    sink.message({pkg::Level::warning, "shown"});
    EXPECT_EQ(err.str(), "warning: shown\n");
}

TEST(TextSink, VerboseShowsDebugMessages) {
    std::ostringstream err;
    std::istringstream in;
    Style s;
    TextSink quiet(err, in, s);
    quiet.message({pkg::Level::debug, "no"});
    EXPECT_EQ(err.str(), "");
    s.verbosity = 1;
    TextSink verbose(err, in, s);
    verbose.message({pkg::Level::debug, "yes"});
    EXPECT_EQ(err.str(), "debug: yes\n");
}

TEST(TextSink, ColoursLevelsOnlyWhenAsked) {
    std::ostringstream plain_err, color_err;
    std::istringstream in;
    Style s;
    TextSink plain(plain_err, in, s);
    plain.message({pkg::Level::error, "bad"});
    s.color = true;
    TextSink color(color_err, in, s);
    color.message({pkg::Level::error, "bad"});
    EXPECT_EQ(plain_err.str(), "error: bad\n");
    EXPECT_EQ(color_err.str(), "\x1b[1;31merror:\x1b[0m bad\n");
}

TEST(TextSink, QuestionWithoutTerminalTakesTheDefault) {
    std::ostringstream err;
    std::istringstream in("y\n");
    TextSink sink(err, in, Style{});
    EXPECT_FALSE(sink.ask({"Remove 3 packages?", false}));
    EXPECT_TRUE(sink.ask({"Proceed?", true}));
    EXPECT_EQ(err.str(),
              ":: Remove 3 packages? [y/N] n (no terminal: default)\n"
              ":: Proceed? [Y/n] y (no terminal: default)\n");
}

TEST(TextSink, QuestionWithYesAnswersYes) {
    std::ostringstream err;
    std::istringstream in;
    Style s;
    s.assume_yes = true;
    TextSink sink(err, in, s);
    EXPECT_TRUE(sink.ask({"Remove?", false}));
}

TEST(TextSink, QuietHidesQuestionsAnsweredForTheUser) {
    std::ostringstream err;
    std::istringstream in;
    Style s;
    s.assume_yes = true;
    s.verbosity = -1;
    TextSink sink(err, in, s);
    EXPECT_TRUE(sink.ask({"Remove?", false}));
    Style no_terminal;
    no_terminal.verbosity = -1;
    TextSink quiet(err, in, no_terminal);
    EXPECT_TRUE(quiet.ask({"Proceed?", true}));
    EXPECT_EQ(err.str(), "");
}

TEST(TextSink, QuestionOnTerminalReadsTheAnswer) {
    std::ostringstream err;
    std::istringstream in("n\n\nY\n");
    Style s;
    s.interactive = true;
    TextSink sink(err, in, s);
    EXPECT_FALSE(sink.ask({"A?", true}));
    EXPECT_TRUE(sink.ask({"B?", true}));   // empty line: the default
    EXPECT_TRUE(sink.ask({"C?", false}));
    EXPECT_FALSE(sink.ask({"D?", false}));  // end of input: the default
}

TEST(TextSink, EventsAfterATaskFinishedAreDropped) {
    std::ostringstream err;
    std::istringstream in;
    TextSink sink(err, in, terminal_style());
    pkg::Progress p;
    p.task = 99;
    p.label = "late";
    p.total = 10;
    p.finished = true;
    sink.progress(p);
    std::string after_finish = err.str();
    p.finished = false;
    p.done = 5;
    sink.progress(p);  // a straggler from another thread
    EXPECT_EQ(err.str(), after_finish);
}

TEST(TextSink, ProgressTaskSendsNothingAfterFinish) {
    std::ostringstream err;
    std::istringstream in;
    TextSink sink(err, in, Style{});
    pkg::ProgressTask task(sink, "t", "files", 2);
    task.advance(2);
    task.finish();
    task.advance(1);
    task.set_total(5);
    EXPECT_EQ(err.str(), "t: 2 files\n");
}

TEST(TextSink, BarFitsTheWidthAndShortensTheLabel) {
    pkg::Progress p;
    p.label = "a-very-long-distfile-name-that-will-not-fit-1.2.3.tar.xz";
    p.unit = "bytes";
    p.done = 512 * 1024;
    p.total = 1024 * 1024;
    for (int width : {20, 40, 79, 120}) {
        std::string bar = TextSink::render_bar(p, width);
        EXPECT_LE(static_cast<int>(bar.size()), width) << bar;
        EXPECT_NE(bar.find("50%"), std::string::npos) << bar;
    }
    EXPECT_EQ(TextSink::render_bar(p, 79),
              "a-very-long-distfile-name-that... [########---------] 50%     512.0 KiB/1.0 MiB");
}

TEST(TextSink, ADownloadsBarShowsItsRateAndTimeLeft) {
    pkg::Progress p;
    p.label = "linux-6.1.176.tar.xz";
    p.unit = "bytes";
    p.done = 32ull << 20;
    p.total = 128ull << 20;
    p.rate = 2ull << 20;  // 96 MiB left at 2 MiB/s: 48 s
    std::string bar = TextSink::render_bar(p, 100);
    EXPECT_LE(static_cast<int>(bar.size()), 100) << bar;
    EXPECT_NE(bar.find("2.0 MiB/s   0:48"), std::string::npos) << bar;
    EXPECT_NE(bar.find("25%"), std::string::npos) << bar;
    // Too narrow for it: the bar as before.
    p.rate = 0;
    std::string plain = TextSink::render_bar(p, 60);
    p.rate = 2ull << 20;
    EXPECT_EQ(TextSink::render_bar(p, 60), plain);
}

TEST(TextSink, AmountsUseBinaryUnitsForBytes) {
    EXPECT_EQ(pkgmgr::format_amount(1023, "bytes"), "1023 B");
    EXPECT_EQ(pkgmgr::format_amount(1536, "bytes"), "1.5 KiB");
    EXPECT_EQ(pkgmgr::format_amount(5ull << 30, "bytes"), "5.0 GiB");
    EXPECT_EQ(pkgmgr::format_amount(7, "files"), "7 files");
}

TEST(TextSink, SafeFromWorkerThreads) {
    std::ostringstream err;
    std::istringstream in;
    {
        TextSink sink(err, in, Style{});
        std::vector<std::thread> workers;
        for (int t = 0; t < 8; ++t) {
            workers.emplace_back([&sink, t] {
                pkg::ProgressTask task(sink, "task" + std::to_string(t), "files", 100);
                for (int i = 0; i < 100; ++i) {
                    task.advance(1);
                    if (i % 10 == 0) sink.message({pkg::Level::info, "line from " + std::to_string(t)});
                }
            });
        }
        for (auto& w : workers) w.join();
    }
    // Every line is whole: 8 finished tasks and 80 messages, none interleaved.
    std::istringstream lines(err.str());
    std::string line;
    int finished = 0, messages = 0;
    while (std::getline(lines, line)) {
        if (line.rfind("task", 0) == 0 && line.find(": 100 files") != std::string::npos) ++finished;
        else if (line.rfind("line from ", 0) == 0 && line.size() == 11) ++messages;
        else ADD_FAILURE() << "mangled line: " << line;
    }
    EXPECT_EQ(finished, 8);
    EXPECT_EQ(messages, 80);
}

}  // namespace
