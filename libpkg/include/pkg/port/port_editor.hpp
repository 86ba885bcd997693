#pragma once

// Edits of a port's manifest that keep the rest of its text byte for byte
// (STYLE.md: checksums are made by a command, never typed): each edit
// replaces one value's span, or adds a member after an object's last one in
// the object's own layout. `pkg checksum` and `pkg bump` are its users.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "pkg/digest.hpp"
#include "pkg/json_text.hpp"
#include "pkg/port/port.hpp"

namespace pkg {

class PKG_API PortEditor {
public:
    /// Edits the manifest text `text` of the file `file`.
    PortEditor(std::filesystem::path file, std::string text);

    /// `alternative` -1 is the source itself, else the index of one of its alternatives.
    void set_digest(std::size_t source, int alternative, DigestAlgorithm algorithm, const std::string& digest);
    void set_size(std::size_t source, int alternative, std::uint64_t size);
    void set_debian(std::size_t source, int alternative, const DebianArtifact& debian);
    void set_version(const std::string& version);
    void set_release(int release);
    /// The builds' SOURCE_DATE_EPOCH (`pkg bump` sets the time of the bump).
    void set_source_date_epoch(std::int64_t epoch);

    bool changed() const { return !edits_.empty(); }
    /// The text with every edit applied.
    std::string text() const;
    /// Writes text() over the file: a temporary beside it, synced, renamed
    /// (the file's mode kept).
    void save() const;

private:
    struct Edit {
        std::size_t begin, end;
        std::string text;
        std::size_t order;
    };
    const json::Value& object(std::size_t source, int alternative) const;
    /// Replaces `key`'s value in `object`, or adds the member after the
    /// last of the members named `after`.
    void put(const json::Value& object, const std::string& key, const std::string& literal,
             const std::vector<std::string>& after);
    void insert_after(const json::Value& object, const json::Member& last, const std::string& member);
    void replace(const json::Span& span, std::string literal);

    std::filesystem::path file_;
    std::string text_;
    json::Value root_;
    std::vector<Edit> edits_;
};

}  // namespace pkg
