#include "pkg/port/profile.hpp"

#include <fstream>
#include <set>
#include <sstream>

#include "pkg/error.hpp"
#include "pkg/file_read.hpp"
#include "pkg/json_text.hpp"
#include "pkg/port/port.hpp"

namespace pkg {

const std::vector<std::string>& Profile::ports_of(int stage) const {
    // A stage that is not listed rebuilds what the stage before it did:
    // stage 2 must rebuild stage 1's ports for the fixed point to compare
    // them. Only when no stage up to it is listed does it take every port.
    for (int s = stage; s >= 1; --s) {
        if (auto it = stages.find(s); it != stages.end()) return it->second;
    }
    return ports;
}

Profile read_profile(const std::filesystem::path& dir, const std::string& name) {
    if (check_port_name(name) || name.find('/') != std::string::npos) {
        throw UsageError("invalid profile name '{}'", name);
    }
    Profile profile;
    profile.name = name;
    profile.file = dir / (name + ".json");
    std::string file = profile.file.string();
    std::error_code ec;
    if (!std::filesystem::exists(std::filesystem::symlink_status(profile.file, ec))) {
        throw Error("no profile '{}' ({} does not exist)", name, file);
    }
    json::Value root = json::parse(file, read_text_file(profile.file, "the profile"));
    auto fail = [&](const json::Span& at, const std::string& why) {
        throw FileError(file, at.line, at.column, "{}", why);
    };
    if (!root.is(json::Type::object)) fail(root.span, "a profile must be a JSON object");
    auto names = [&](const json::Value& list, const char* key) {
        if (!list.is(json::Type::array)) fail(list.span, fmt::format("'{}' must be an array of port names", key));
        std::vector<std::string> out;
        std::set<std::string> seen;
        for (const auto& item : list.items) {
            if (!item.is(json::Type::string)) fail(item.span, "a port name must be a string");
            if (auto problem = check_port_name(item.text)) fail(item.span, *problem);
            if (!seen.insert(item.text).second) fail(item.span, fmt::format("'{}' is listed twice", item.text));
            out.push_back(item.text);
        }
        return out;
    };
    for (const auto& m : root.members) {
        if (m.key == "summary") {
            if (!m.value.is(json::Type::string)) fail(m.value.span, "'summary' must be a string");
            profile.summary = m.value.text;
        } else if (m.key == "ports") {
            profile.ports = names(m.value, "ports");
            for (const auto& item : m.value.items) profile.positions[item.text] = {item.span.line, item.span.column};
        } else if (m.key == "stages") {
            if (!m.value.is(json::Type::object)) fail(m.value.span, "'stages' must be an object");
            for (const auto& stage : m.value.members) {
                if (stage.key != "1" && stage.key != "2") {
                    fail(stage.key_span, fmt::format("unknown stage '{}' (native stages are 1 and 2)", stage.key));
                }
                profile.stages[std::stoi(stage.key)] = names(stage.value, "stages");
            }
        } else {
            fail(m.key_span, fmt::format("unknown key '{}' in a profile", m.key));
        }
    }
    if (profile.ports.empty()) fail(root.span, "a profile needs 'ports'");
    std::set<std::string> all(profile.ports.begin(), profile.ports.end());
    for (const auto& m : root.members) {
        if (m.key != "stages") continue;
        for (const auto& stage : m.value.members) {
            for (const auto& item : stage.value.items) {
                if (!all.count(item.text)) {
                    fail(item.span, fmt::format("stage {} rebuilds '{}', which the profile's ports lack",
                                                stage.key, item.text));
                }
            }
        }
    }
    return profile;
}

}  // namespace pkg
