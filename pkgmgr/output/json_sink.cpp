#include "output/json_sink.hpp"

#include <nlohmann/json.hpp>

namespace pkgmgr {

void JsonSink::write_line(const std::string& line) {
    std::lock_guard lock(mutex_);
    err_ << line << '\n';
    err_.flush();
}

void JsonSink::progress(const pkg::Progress& event) {
    nlohmann::ordered_json j = {{"event", "progress"},   {"task", event.task},
                                {"label", event.label},  {"unit", event.unit},
                                {"done", event.done},    {"total", event.total},
                                {"finished", event.finished}};
    write_line(j.dump());
}

void JsonSink::message(const pkg::Message& event) {
    nlohmann::ordered_json j = {
        {"event", "message"}, {"level", pkg::level_name(event.level)}, {"text", event.text}};
    write_line(j.dump());
}

bool JsonSink::ask(const pkg::Question& question) {
    bool answer = assume_yes_ || question.default_answer;
    nlohmann::ordered_json j = {{"event", "question"},
                                {"text", question.text},
                                {"default", question.default_answer},
                                {"answer", answer}};
    write_line(j.dump());
    return answer;
}

}  // namespace pkgmgr
