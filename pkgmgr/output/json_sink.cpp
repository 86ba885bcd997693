#include "output/json_sink.hpp"

#include <nlohmann/json.hpp>

namespace pkgmgr {
namespace {

// Invalid UTF-8 (a file name, a port's text) must not abort the output.
std::string dump_line(const nlohmann::ordered_json& j) {
    return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace

void JsonSink::write_line(const std::string& line) {
    std::lock_guard lock(mutex_);
    err_ << line << '\n';
    err_.flush();
}

void JsonSink::progress(const pkg::Progress& event) {
    if (verbosity_ < 0) return;
    nlohmann::ordered_json j = {{"event", "progress"},   {"task", event.task},
                                {"label", event.label},  {"unit", event.unit},
                                {"done", event.done},    {"total", event.total},
                                {"finished", event.finished}, {"failed", event.failed}};
    if (event.rate > 0) j["rate"] = event.rate;
    write_line(dump_line(j));
}

void JsonSink::message(const pkg::Message& event) {
    int threshold = verbosity_ > 0 ? 0 : (verbosity_ < 0 ? 2 : 1);
    if (static_cast<int>(event.level) < threshold) return;
    nlohmann::ordered_json j = {
        {"event", "message"}, {"level", pkg::level_name(event.level)}, {"text", event.text}};
    write_line(dump_line(j));
}

void JsonSink::change(const pkg::Change& event) {
    auto or_null = [](const std::string& text) {
        return text.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(text);
    };
    nlohmann::ordered_json j = {{"event", "change"},
                                {"kind", pkg::change_kind_name(event.kind)},
                                {"package", or_null(event.package)},
                                {"from", or_null(event.from)},
                                {"to", or_null(event.to)},
                                {"path", event.path.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json("/" + event.path)},
                                {"text", or_null(event.text)}};
    write_line(dump_line(j));
}

void JsonSink::fetch(const pkg::FetchEvent& event) {
    if (verbosity_ < 0 && event.kind != pkg::FetchEvent::Kind::failed) return;
    auto or_null = [](const std::string& text) {
        return text.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(text);
    };
    nlohmann::ordered_json j = {{"event", "fetch"},
                                {"kind", pkg::fetch_kind_name(event.kind)},
                                {"file", event.file},
                                {"url", or_null(event.url)},
                                {"reason", or_null(event.reason)},
                                {"attempt", event.attempt},
                                {"bytes", event.bytes}};
    write_line(dump_line(j));
}

void JsonSink::build(const pkg::BuildEvent& event) {
    if (verbosity_ < 0 && event.kind != pkg::BuildEvent::Kind::failed) return;
    auto or_null = [](const std::string& text) {
        return text.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(text);
    };
    nlohmann::ordered_json j = {{"event", "build"},
                                {"kind", pkg::build_kind_name(event.kind)},
                                {"port", event.port},
                                {"phase", or_null(event.phase)},
                                {"path", or_null(event.path)},
                                {"text", or_null(event.text)}};
    write_line(dump_line(j));
}

bool JsonSink::ask(const pkg::Question& question) {
    bool answer = assume_yes_ || question.default_answer;
    nlohmann::ordered_json j = {{"event", "question"},
                                {"text", question.text},
                                {"default", question.default_answer},
                                {"answer", answer}};
    write_line(dump_line(j));
    return answer;
}

}  // namespace pkgmgr
