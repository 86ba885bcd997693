#include "deb822.hpp"

namespace pkg {

namespace {

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_blank(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && is_blank(text.back()))
        text.remove_suffix(1);
    return text;
}

}  // namespace

std::string ascii_lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

const std::string* Deb822Stanza::find(std::string_view name) const {
    std::string wanted = ascii_lower(name);
    for (const auto& field : fields) {
        if (ascii_lower(field.name) == wanted)
            return &field.value;
    }
    return nullptr;
}

std::vector<Deb822Stanza> parse_deb822(std::string_view text) {
    std::vector<Deb822Stanza> stanzas;
    Deb822Stanza current;
    // A continuation belongs to the field before it, unless a skipped line
    // came between: then it is skipped too.
    bool continuing = false;
    auto end_stanza = [&] {
        if (!current.fields.empty())
            stanzas.push_back(std::move(current));
        current = Deb822Stanza{};
        continuing = false;
    };
    while (!text.empty()) {
        std::size_t eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);

        if (trim(line).empty()) {
            end_stanza();
        } else if (line.front() == '#') {
            // A comment neither ends a stanza nor a field's continuation.
        } else if (line.front() == ' ' || line.front() == '\t') {
            if (continuing) {
                std::string& value = current.fields.back().value;
                value += '\n';
                value += trim(line);
            }
        } else if (std::size_t colon = line.find(':');
                   colon != std::string_view::npos && colon > 0) {
            current.fields.push_back(Deb822Field{std::string(trim(line.substr(0, colon))),
                                                 std::string(trim(line.substr(colon + 1)))});
            continuing = true;
        } else {
            continuing = false;
        }
    }
    end_stanza();
    return stanzas;
}

std::vector<std::string> split_words(std::string_view value) {
    std::vector<std::string> words;
    std::size_t i = 0;
    while (i < value.size()) {
        while (i < value.size() && (is_blank(value[i]) || value[i] == '\n'))
            ++i;
        std::size_t start = i;
        while (i < value.size() && !is_blank(value[i]) && value[i] != '\n')
            ++i;
        if (i > start)
            words.emplace_back(value.substr(start, i - start));
    }
    return words;
}

}  // namespace pkg
