#include "pkg/port/port_editor.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "pkg/error.hpp"

namespace pkg {
namespace fs = std::filesystem;

PortEditor::PortEditor(fs::path file, std::string text)
    : file_(std::move(file)), text_(std::move(text)), root_(json::parse(file_.string(), text_)) {
    if (!root_.is(json::Type::object)) throw FileError(file_.string(), 1, 1, "a port's manifest is an object");
}

const json::Value& PortEditor::object(std::size_t source, int alternative) const {
    const json::Value* sources = root_.find("sources");
    if (!sources || !sources->is(json::Type::array) || source >= sources->items.size()) {
        throw Error("{}: no source {}", file_.string(), source + 1);
    }
    const json::Value& s = sources->items[source];
    if (alternative < 0) return s;
    const json::Value* alts = s.find("alternatives");
    if (!alts || !alts->is(json::Type::array) || static_cast<std::size_t>(alternative) >= alts->items.size()) {
        throw Error("{}: source {} has no alternative {}", file_.string(), source + 1, alternative + 1);
    }
    return alts->items[static_cast<std::size_t>(alternative)];
}

void PortEditor::replace(const json::Span& span, std::string literal) {
    if (text_.compare(span.begin, span.end - span.begin, literal) == 0) return;
    edits_.push_back({span.begin, span.end, std::move(literal), edits_.size()});
}

void PortEditor::put(const json::Value& object, const std::string& key, const std::string& literal,
                     const std::vector<std::string>& after) {
    if (!object.is(json::Type::object)) throw Error("{}: expected an object at line {}", file_.string(), object.span.line);
    if (const json::Value* v = object.find(key)) return replace(v->span, literal);
    std::string member = json::quote(key) + ": " + literal;
    if (object.members.empty()) {
        edits_.push_back({object.span.begin + 1, object.span.begin + 1, member, edits_.size()});
        return;
    }
    // After the last member named in `after` (a digest after the URL, a
    // size after the digest), else after the last member.
    const json::Member* last = &object.members.back();
    for (const auto& m : object.members) {
        if (std::find(after.begin(), after.end(), m.key) != after.end()) last = &m;
    }
    insert_after(object, *last, member);
}

void PortEditor::insert_after(const json::Value& object, const json::Member& last, const std::string& member) {
    // The new member follows the last one in the same layout: on its own
    // line with the last member's indentation, or on the same line.
    std::size_t line_start = text_.rfind('\n', last.key_span.begin);
    bool own_line = line_start != std::string::npos && object.span.line != last.key_span.line;
    std::string separator = ", ";
    if (own_line) {
        std::size_t indent_end = text_.find_first_not_of(" \t", line_start + 1);
        separator = ",\n" + text_.substr(line_start + 1, indent_end - line_start - 1);
    }
    edits_.push_back({last.value.span.end, last.value.span.end, separator + member, edits_.size()});
}

void PortEditor::set_digest(std::size_t source, int alternative, DigestAlgorithm algorithm, const std::string& digest) {
    const json::Value& o = object(source, alternative);
    const char* key = digest_name(algorithm);
    const char* other = algorithm == DigestAlgorithm::sha256 ? "sha512" : "sha256";
    if (const json::Value* v = o.find(other)) {
        // The other algorithm's pin gives way: one digest per artifact.
        const json::Member* m = nullptr;
        for (const auto& member : o.members) {
            if (member.key == other) m = &member;
        }
        edits_.push_back({m->key_span.begin, v->span.end, json::quote(key) + ": " + json::quote(digest), edits_.size()});
        return;
    }
    put(o, key, json::quote(digest), {"url", "urls", "file", "debian"});
}

void PortEditor::set_size(std::size_t source, int alternative, std::uint64_t size) {
    put(object(source, alternative), "size", std::to_string(size), {"url", "urls", "file", "debian", "sha256", "sha512"});
}

void PortEditor::set_debian(std::size_t source, int alternative, const DebianArtifact& d) {
    const json::Value* debian = object(source, alternative).find("debian");
    if (!debian) throw Error("{}: source {} alternative {} is not Debian's", file_.string(), source + 1, alternative + 1);
    put(*debian, "version", json::quote(d.version), {"source"});
    put(*debian, "file", json::quote(d.file), {"version"});
}

void PortEditor::set_version(const std::string& version) { put(root_, "version", json::quote(version), {"name"}); }

void PortEditor::set_release(int release) { put(root_, "release", std::to_string(release), {"version"}); }

void PortEditor::set_source_date_epoch(std::int64_t epoch) {
    put(root_, "source-date-epoch", std::to_string(epoch), {"name", "version", "release", "epoch", "summary", "license", "homepage"});
}

std::string PortEditor::text() const {
    std::vector<Edit> edits = edits_;
    // Last position first, so earlier offsets stay valid; insertions at one
    // place keep the order they were made in.
    std::sort(edits.begin(), edits.end(), [](const Edit& a, const Edit& b) {
        return a.begin != b.begin ? a.begin > b.begin : a.order > b.order;
    });
    std::string out = text_;
    for (const auto& e : edits) out.replace(e.begin, e.end - e.begin, e.text);
    return out;
}

void PortEditor::save() const {
    std::string content = text();
    struct stat st {};
    if (::stat(file_.c_str(), &st) != 0) throw SystemError{errno, file_, "cannot look at {}", file_.string()};
    fs::path temp = file_;
    temp += ".pkg-edit";
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, st.st_mode & 07777);
    if (fd < 0 && errno == EEXIST) {
        // Left by an edit that was killed before its rename: ours to replace.
        ::unlink(temp.c_str());
        fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, st.st_mode & 07777);
    }
    if (fd < 0) throw SystemError{errno, temp, "cannot write {}", temp.string()};
    std::size_t done = 0;
    while (done < content.size()) {
        ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int err = errno;
            ::close(fd);
            ::unlink(temp.c_str());
            throw SystemError{err, temp, "cannot write {}", temp.string()};
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        int err = errno;
        ::unlink(temp.c_str());
        throw SystemError{err, temp, "cannot write {}", temp.string()};
    }
    if (::rename(temp.c_str(), file_.c_str()) != 0) {
        int err = errno;
        ::unlink(temp.c_str());
        throw SystemError{err, file_, "cannot replace {}", file_.string()};
    }
}

}  // namespace pkg
