#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "pkg/export.hpp"

namespace pkg::json {

/// Where a value's text lies in its file: byte offsets [begin, end) and the
/// 1-based line and column (in bytes) of its first character. Tools that
/// edit a file (pkg checksum, pkg bump) replace [begin, end) and keep the rest.
struct Span {
    std::size_t begin = 0;
    std::size_t end = 0;
    int line = 0;
    int column = 0;
};

enum class Type { null, boolean, number, string, array, object };

PKG_API const char* type_name(Type type);

struct Member;

/// A JSON value and where it came from. nlohmann/json gives no positions,
/// so ports are read with this small reader (RFC 8259, duplicate keys refused).
struct PKG_API Value {
    Type type = Type::null;
    Span span;
    bool boolean = false;
    std::string text;             ///< a string's decoded value, or a number's literal
    std::vector<Value> items;     ///< an array's elements
    std::vector<Member> members;  ///< an object's members, in file order

    /// The member named `key`, or nullptr.
    const Value* find(std::string_view key) const;
    bool is(Type t) const { return type == t; }
};

struct Member {
    std::string key;
    Span key_span;
    Value value;
};

/// Parses `text`; a syntax error, a duplicate key, nesting deeper than 64
/// levels or more than 100,000 values throws FileError naming `file`, the
/// line and the column.
PKG_API Value parse(const std::string& file, std::string_view text);

/// `text` as a JSON string literal, quotes included.
PKG_API std::string quote(std::string_view text);

}  // namespace pkg::json
