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
    /// `verbosity` filters as in text: debug messages with -v, only warnings
    /// and errors (and no progress) with -q.
    JsonSink(std::ostream& err, bool assume_yes, int verbosity = 0)
        : err_(err), assume_yes_(assume_yes), verbosity_(verbosity) {}

    void progress(const pkg::Progress& event) override;
    void message(const pkg::Message& event) override;
    bool ask(const pkg::Question& question) override;
    void change(const pkg::Change& event) override;
    void fetch(const pkg::FetchEvent& event) override;
    void build(const pkg::BuildEvent& event) override;

private:
    void write_line(const std::string& line);
    std::ostream& err_;
    bool assume_yes_;
    int verbosity_;
    std::mutex mutex_;
};

}  // namespace pkgmgr
