#include "output/json_sink.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <algorithm>
#include <sstream>
#include <thread>

#include "support/process.hpp"

namespace {

TEST(JsonSink, EventsAreJsonLinesGolden) {
    std::ostringstream err;
    pkgmgr::JsonSink sink(err, false);
    pkg::Progress p;
    p.task = 7;
    p.label = "zlib-1.3.tar.gz";
    p.unit = "bytes";
    p.done = 10;
    p.total = 20;
    sink.progress(p);
    p.done = 20;
    p.finished = true;
    sink.progress(p);
    sink.message({pkg::Level::warning, "a \"quoted\" word\nand a newline"});
    EXPECT_FALSE(sink.ask({"Remove?", false}));
    EXPECT_EQ("", pkgtest::check_golden("json-sink-events.txt", err.str()));
}

TEST(JsonSink, YesAnswersQuestionsAndRecordsIt) {
    std::ostringstream err;
    pkgmgr::JsonSink sink(err, true);
    EXPECT_TRUE(sink.ask({"Remove?", false}));
    auto j = nlohmann::json::parse(err.str());
    EXPECT_EQ(j["event"], "question");
    EXPECT_EQ(j["default"], false);
    EXPECT_EQ(j["answer"], true);
}

TEST(JsonSink, FiltersByVerbosityAsTextDoes) {
    std::ostringstream quiet_err, normal_err;
    pkgmgr::JsonSink quiet(quiet_err, false, -1);
    pkgmgr::JsonSink normal(normal_err, false, 0);
    for (pkgmgr::JsonSink* sink : {&quiet, &normal}) {
        pkg::ProgressTask task(*sink, "x", "files", 1);
        task.finish();
        sink->message({pkg::Level::debug, "d"});
        sink->message({pkg::Level::info, "i"});
        sink->message({pkg::Level::warning, "w"});
    }
    EXPECT_EQ(quiet_err.str(), "{\"event\":\"message\",\"level\":\"warning\",\"text\":\"w\"}\n");
    std::string lines = normal_err.str();
    EXPECT_EQ(std::count(lines.begin(), lines.end(), '\n'), 4);  // 2 progress, i, w
}

TEST(JsonSink, InvalidUtf8IsReplacedNotFatal) {
    std::ostringstream err;
    pkgmgr::JsonSink sink(err, false);
    sink.message({pkg::Level::info, "bad \xff byte"});
    EXPECT_EQ(nlohmann::json::parse(err.str())["text"], "bad \xef\xbf\xbd byte");
}

TEST(JsonSink, SafeFromWorkerThreads) {
    std::ostringstream err;
    pkgmgr::JsonSink sink(err, false);
    std::vector<std::thread> workers;
    for (int t = 0; t < 8; ++t) {
        workers.emplace_back([&sink] {
            pkg::ProgressTask task(sink, "t", "bytes", 50);
            for (int i = 0; i < 50; ++i) task.advance(1);
        });
    }
    for (auto& w : workers) w.join();
    std::istringstream lines(err.str());
    std::string line;
    int count = 0;
    while (std::getline(lines, line)) {
        auto j = nlohmann::json::parse(line);  // throws on a mangled line
        EXPECT_EQ(j["event"], "progress");
        ++count;
    }
    EXPECT_EQ(count, 8 * 52);  // start, 50 advances, finish
}

}  // namespace

namespace {

TEST(JsonSink, ChangesAreTypedEventsWithTheirSubjects) {
    std::ostringstream err;
    pkgmgr::JsonSink sink(err, false);
    sink.change({pkg::Change::Kind::upgraded, "zlib", "1.2.13-1", "1.3-1", "", ""});
    sink.change({pkg::Change::Kind::config_new, "tool", "", "", "etc/tool.conf", ""});
    std::istringstream lines(err.str());
    std::string first, second;
    std::getline(lines, first);
    std::getline(lines, second);
    auto a = nlohmann::json::parse(first), b = nlohmann::json::parse(second);
    EXPECT_EQ(a["event"], "change");
    EXPECT_EQ(a["kind"], "upgraded");
    EXPECT_EQ(a["package"], "zlib");
    EXPECT_EQ(a["from"], "1.2.13-1");
    EXPECT_EQ(a["to"], "1.3-1");
    EXPECT_TRUE(a["path"].is_null());
    EXPECT_EQ(b["kind"], "config-new");
    EXPECT_EQ(b["path"], "/etc/tool.conf");
}

TEST(Change, TextSinksSayItInOneLine) {
    EXPECT_EQ(pkg::describe_change({pkg::Change::Kind::upgraded, "zlib", "1.2.13-1", "1.3-1", "", ""}),
              "upgraded zlib 1.2.13-1 -> 1.3-1");
    EXPECT_EQ(pkg::describe_change({pkg::Change::Kind::removed, "a", "1-1", "", "", ""}), "removed a 1-1");
    EXPECT_EQ(pkg::describe_change({pkg::Change::Kind::config_new, "tool", "", "", "etc/tool.conf", ""}),
              "tool: /etc/tool.conf was edited: kept, the new one is /etc/tool.conf.pkgnew");
    // The default sink renders a change as a message of the fitting level.
    struct Recorder final : pkg::EventSink {
        void progress(const pkg::Progress&) override {}
        void message(const pkg::Message& m) override { seen.push_back(m); }
        bool ask(const pkg::Question& q) override { return q.default_answer; }
        std::vector<pkg::Message> seen;
    } recorder;
    recorder.change({pkg::Change::Kind::installed, "a", "", "1-1", "", ""});
    recorder.change({pkg::Change::Kind::config_saved, "a", "", "", "etc/a.conf.pkgsave", ""});
    ASSERT_EQ(recorder.seen.size(), 2u);
    EXPECT_EQ(recorder.seen[0].level, pkg::Level::info);
    EXPECT_EQ(recorder.seen[0].text, "installed a 1-1");
    EXPECT_EQ(recorder.seen[1].level, pkg::Level::warning);
}

}  // namespace
