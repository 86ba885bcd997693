#include "pkg/json_text.hpp"

#include <set>

#include "pkg/error.hpp"

namespace pkg::json {
namespace {

constexpr int kMaxDepth = 64;
// A port's manifest holds a few hundred values, a profile a few thousand;
// the cap bounds the memory and time every command spends on a hostile one.
constexpr std::size_t kMaxValues = 100000;

class Parser {
public:
    Parser(const std::string& file, std::string_view text) : file_(file), text_(text) {}

private:
    std::size_t values_ = 0;

public:

    Value document() {
        skip_space();
        Value root = value(0);
        skip_space();
        if (pos_ < text_.size()) fail("unexpected '{}' after the end of the document", text_[pos_]);
        return root;
    }

private:
    template <typename... Args>
    [[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
        throw FileError(file_, line_, column(), format, std::forward<Args>(args)...);
    }

    int column() const { return static_cast<int>(pos_ - line_start_) + 1; }

    // Fails at an earlier offset on the current line (strings cannot span lines).
    [[noreturn]] void fail_at(size_t offset, const std::string& message) {
        throw FileError(file_, line_, static_cast<int>(offset - line_start_) + 1, message);
    }

    Span start() const { return Span{pos_, pos_, line_, column()}; }

    void skip_space() {
        while (pos_ < text_.size()) {
            char c = text_[pos_];
            if (c == '\n') {
                ++pos_;
                ++line_;
                line_start_ = pos_;
            } else if (c == ' ' || c == '\t' || c == '\r') {
                ++pos_;
            } else {
                break;
            }
        }
    }

    Value value(int depth) {
        if (depth > kMaxDepth) fail("nesting deeper than {} levels", kMaxDepth);
        if (++values_ > kMaxValues) fail("more than {} values in one document", kMaxValues);
        if (pos_ >= text_.size()) fail("unexpected end of file, expected a value");
        char c = text_[pos_];
        switch (c) {
            case '{': return object(depth);
            case '[': return array(depth);
            case '"': return string_value();
            case 't': return literal("true", Type::boolean, true);
            case 'f': return literal("false", Type::boolean, false);
            case 'n': return literal("null", Type::null, false);
            default:
                if (c == '-' || (c >= '0' && c <= '9')) return number();
                fail("unexpected '{}', expected a value", printable(c));
        }
    }

    static std::string printable(char c) {
        auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte >= 0x7f) return fmt::format("\\x{:02x}", byte);
        return std::string(1, c);
    }

    // Length of the well-formed UTF-8 sequence at pos_ (RFC 3629: no
    // overlong forms, no surrogates, nothing past U+10FFFF), or 0.
    size_t utf8_length() const {
        auto at = [&](size_t i) -> unsigned {
            return pos_ + i < text_.size() ? static_cast<unsigned char>(text_[pos_ + i]) : 0u;
        };
        unsigned b0 = at(0);
        auto cont = [&](size_t i, unsigned lo = 0x80, unsigned hi = 0xBF) {
            unsigned b = at(i);
            return b >= lo && b <= hi;
        };
        if (b0 >= 0xC2 && b0 <= 0xDF) return cont(1) ? 2 : 0;
        if (b0 == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;
        if ((b0 >= 0xE1 && b0 <= 0xEC) || b0 == 0xEE || b0 == 0xEF) return cont(1) && cont(2) ? 3 : 0;
        if (b0 == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
        if (b0 == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
        if (b0 >= 0xF1 && b0 <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
        if (b0 == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
        return 0;
    }

    Value literal(std::string_view word, Type type, bool b) {
        Value v;
        v.span = start();
        if (text_.substr(pos_, word.size()) != word) fail("unexpected '{}', expected a value", text_[pos_]);
        pos_ += word.size();
        v.type = type;
        v.boolean = b;
        v.span.end = pos_;
        return v;
    }

    Value number() {
        Value v;
        v.type = Type::number;
        v.span = start();
        size_t begin = pos_;
        auto digits = [&] {
            size_t from = pos_;
            while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
            return pos_ - from;
        };
        if (text_[pos_] == '-') ++pos_;
        if (pos_ < text_.size() && text_[pos_] == '0') {
            ++pos_;
            if (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
                fail("a number may not have leading zeros");
            }
        } else if (digits() == 0) {
            fail("malformed number");
        }
        if (pos_ < text_.size() && text_[pos_] == '.') {
            ++pos_;
            if (digits() == 0) fail("malformed number: digits expected after '.'");
        }
        if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
            ++pos_;
            if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
            if (digits() == 0) fail("malformed number: digits expected in the exponent");
        }
        v.text = std::string(text_.substr(begin, pos_ - begin));
        v.span.end = pos_;
        return v;
    }

    unsigned hex4(size_t escape) {
        if (pos_ + 4 > text_.size()) fail_at(escape, "truncated \\u escape");
        unsigned value = 0;
        for (int i = 0; i < 4; ++i) {
            char c = text_[pos_++];
            value <<= 4;
            if (c >= '0' && c <= '9') value |= static_cast<unsigned>(c - '0');
            else if (c >= 'a' && c <= 'f') value |= static_cast<unsigned>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') value |= static_cast<unsigned>(c - 'A' + 10);
            else fail_at(escape, "malformed \\u escape");
        }
        return value;
    }

    static void append_utf8(std::string& out, unsigned cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }

    std::string string_text() {
        ++pos_;  // the opening quote
        std::string out;
        for (;;) {
            if (pos_ >= text_.size()) fail("unterminated string");
            char c = text_[pos_];
            if (c == '"') {
                ++pos_;
                return out;
            }
            if (c == '\n') fail("unterminated string (a string cannot span lines)");
            if (static_cast<unsigned char>(c) < 0x20) {
                fail("control character {} in a string (escape it)", printable(c));
            }
            if (static_cast<unsigned char>(c) >= 0x80) {
                size_t n = utf8_length();
                if (n == 0) fail("invalid UTF-8 byte {} in a string", printable(c));
                out.append(text_.substr(pos_, n));
                pos_ += n;
                continue;
            }
            if (c != '\\') {
                out += c;
                ++pos_;
                continue;
            }
            size_t escape = pos_;  // errors in an escape point at its backslash
            ++pos_;
            if (pos_ >= text_.size()) fail("unterminated string");
            char e = text_[pos_++];
            switch (e) {
                case '"': out += '"'; break;
                case '\\': out += '\\'; break;
                case '/': out += '/'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': {
                    unsigned cp = hex4(escape);
                    if (cp >= 0xD800 && cp <= 0xDBFF) {
                        if (text_.substr(pos_, 2) != "\\u") fail_at(escape, "unpaired surrogate in \\u escape");
                        pos_ += 2;
                        unsigned low = hex4(escape);
                        if (low < 0xDC00 || low > 0xDFFF) fail_at(escape, "unpaired surrogate in \\u escape");
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                        fail_at(escape, "unpaired surrogate in \\u escape");
                    }
                    append_utf8(out, cp);
                    break;
                }
                default: fail_at(escape, fmt::format("unknown escape '\\{}'", printable(e)));
            }
        }
    }

    Value string_value() {
        Value v;
        v.type = Type::string;
        v.span = start();
        v.text = string_text();
        v.span.end = pos_;
        return v;
    }

    Value array(int depth) {
        Value v;
        v.type = Type::array;
        v.span = start();
        ++pos_;
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == ']') {
            ++pos_;
            v.span.end = pos_;
            return v;
        }
        for (;;) {
            skip_space();
            v.items.push_back(value(depth + 1));
            skip_space();
            if (pos_ >= text_.size()) fail("unexpected end of file in an array");
            if (text_[pos_] == ',') {
                ++pos_;
                skip_space();
                if (pos_ < text_.size() && text_[pos_] == ']') fail("trailing comma before ']'");
                continue;
            }
            if (text_[pos_] == ']') break;
            fail("expected ',' or ']', got '{}'", printable(text_[pos_]));
        }
        ++pos_;
        v.span.end = pos_;
        return v;
    }

    Value object(int depth) {
        Value v;
        v.type = Type::object;
        v.span = start();
        ++pos_;
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == '}') {
            ++pos_;
            v.span.end = pos_;
            return v;
        }
        std::set<std::string> seen;
        for (;;) {
            skip_space();
            if (pos_ >= text_.size()) fail("unexpected end of file in an object");
            if (text_[pos_] != '"') fail("expected a key in double quotes, got '{}'", printable(text_[pos_]));
            Member m;
            m.key_span = start();
            m.key = string_text();
            m.key_span.end = pos_;
            if (!seen.insert(m.key).second) {
                const Span& s = m.key_span;
                throw FileError(file_, s.line, s.column, "duplicate key '{}'", m.key);
            }
            skip_space();
            if (pos_ >= text_.size() || text_[pos_] != ':') fail("expected ':' after key '{}'", m.key);
            ++pos_;
            skip_space();
            m.value = value(depth + 1);
            v.members.push_back(std::move(m));
            skip_space();
            if (pos_ >= text_.size()) fail("unexpected end of file in an object");
            if (text_[pos_] == ',') {
                ++pos_;
                skip_space();
                if (pos_ < text_.size() && text_[pos_] == '}') fail("trailing comma before '}}'");
                continue;
            }
            if (text_[pos_] == '}') break;
            fail("expected ',' or '}}', got '{}'", printable(text_[pos_]));
        }
        ++pos_;
        v.span.end = pos_;
        return v;
    }

    const std::string& file_;
    std::string_view text_;
    size_t pos_ = 0;
    int line_ = 1;
    size_t line_start_ = 0;
};

}  // namespace

const char* type_name(Type type) {
    switch (type) {
        case Type::null: return "null";
        case Type::boolean: return "a boolean";
        case Type::number: return "a number";
        case Type::string: return "a string";
        case Type::array: return "an array";
        case Type::object: return "an object";
    }
    return "?";
}

const Value* Value::find(std::string_view key) const {
    for (const auto& m : members) {
        if (m.key == key) return &m.value;
    }
    return nullptr;
}

Value parse(const std::string& file, std::string_view text) { return Parser(file, text).document(); }

std::string quote(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) out += fmt::format("\\u{:04x}", c);
                else out += c;
        }
    }
    return out + "\"";
}

}  // namespace pkg::json
