#pragma once

// Debian's control-file syntax (deb822): what apt's *.sources files and
// `apt-cache showsrc` are written in. Private to the fetch part.

#include <string>
#include <string_view>
#include <vector>

namespace pkg {

struct Deb822Field {
    std::string name;
    /// The first line's text, then each continuation line on a line of its
    /// own, trimmed ("Files:" lists one file a line after an empty first line).
    std::string value;
};

/// One paragraph: fields in the order written.
struct Deb822Stanza {
    std::vector<Deb822Field> fields;

    /// The value of the field named `name` (compared ignoring case, as apt
    /// does), or nullptr.
    const std::string* find(std::string_view name) const;
};

/// Parses `text` into its paragraphs. Lines starting with '#' are comments
/// wherever they appear (the *.sources files of Debian's own installer
/// carry them inside a stanza); a line that is neither a field, a
/// continuation nor a comment is skipped, as a file pkg only reads from
/// must not stop it.
std::vector<Deb822Stanza> parse_deb822(std::string_view text);

/// `value` split at spaces, tabs and newlines, empty words dropped.
std::vector<std::string> split_words(std::string_view value);

/// Lower-case ASCII (field names, option names).
std::string ascii_lower(std::string_view text);

}  // namespace pkg
