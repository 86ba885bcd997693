#pragma once

#include <mutex>
#include <ostream>

#include "pkg/events.hpp"

namespace pkgmgr {

/// Renders events for --json: one JSON object per line on stderr (keys in
/// pkg(8), JSON OUTPUT). Questions are not asked: the answer is yes with
/// --yes, else the question's default, and the event records it.
class JsonSink final : public pkg::EventSink {
public:
    JsonSink(std::ostream& err, bool assume_yes) : err_(err), assume_yes_(assume_yes) {}

    void progress(const pkg::Progress& event) override;
    void message(const pkg::Message& event) override;
    bool ask(const pkg::Question& question) override;

private:
    void write_line(const std::string& line);
    std::ostream& err_;
    bool assume_yes_;
    std::mutex mutex_;
};

}  // namespace pkgmgr
