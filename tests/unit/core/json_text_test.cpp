#include "pkg/json_text.hpp"

#include <gtest/gtest.h>

#include "pkg/error.hpp"

namespace {

using pkg::json::parse;
using pkg::json::Type;

TEST(JsonText, RecordsSpansOfValuesAndKeys) {
    std::string text = "{\n  \"name\": \"zlib\",\n  \"n\": [1, -2.5e3, true, null]\n}\n";
    auto root = parse("f.json", text);
    ASSERT_EQ(root.type, Type::object);
    const auto& name = root.members[0];
    EXPECT_EQ(name.key, "name");
    EXPECT_EQ(name.key_span.line, 2);
    EXPECT_EQ(name.key_span.column, 3);
    EXPECT_EQ(name.value.span.line, 2);
    EXPECT_EQ(name.value.span.column, 11);
    EXPECT_EQ(text.substr(name.value.span.begin, name.value.span.end - name.value.span.begin), "\"zlib\"");
    const auto* n = root.find("n");
    ASSERT_NE(n, nullptr);
    ASSERT_EQ(n->items.size(), 4u);
    EXPECT_EQ(n->items[1].text, "-2.5e3");
    EXPECT_EQ(n->items[1].span.column, 12);
    EXPECT_TRUE(n->items[2].boolean);
    EXPECT_EQ(n->items[3].type, Type::null);
    EXPECT_EQ(root.span.begin, 0u);
    EXPECT_EQ(root.span.end, text.size() - 1);
}

TEST(JsonText, ReplacingASpanKeepsTheRestOfTheText) {
    std::string text = "{\n  \"sha256\":   \"aaaa\" ,\n  \"x\": 1\n}\n";
    auto root = parse("f.json", text);
    auto span = root.find("sha256")->span;
    std::string edited = text.substr(0, span.begin) + "\"bbbb\"" + text.substr(span.end);
    EXPECT_EQ(edited, "{\n  \"sha256\":   \"bbbb\" ,\n  \"x\": 1\n}\n");
    EXPECT_EQ(parse("f.json", edited).find("sha256")->text, "bbbb");
}

TEST(JsonText, KeepsValidUtf8) {
    EXPECT_EQ(parse("f", "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"").text, "caf\xc3\xa9 \xf0\x9f\x98\x80");
}

TEST(JsonText, DecodesEscapes) {
    auto v = parse("f", R"("a\"b\\c\/d\n\t\u00e9\ud83d\ude00")");
    EXPECT_EQ(v.text, "a\"b\\c/d\n\t\xc3\xa9\xf0\x9f\x98\x80");
}

struct Bad {
    const char* text;
    int line;
    int column;
    const char* message;
};

class JsonTextError : public ::testing::TestWithParam<Bad> {};

TEST_P(JsonTextError, NamesFileLineAndColumn) {
    const Bad& bad = GetParam();
    try {
        parse("port.json", bad.text);
        FAIL() << "accepted: " << bad.text;
    } catch (const pkg::FileError& e) {
        EXPECT_EQ(e.file(), "port.json");
        EXPECT_EQ(e.line(), bad.line) << e.what();
        EXPECT_EQ(e.column(), bad.column) << e.what();
        EXPECT_EQ(e.detail(), bad.message);
    }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, JsonTextError,
    ::testing::Values(
        Bad{"", 1, 1, "unexpected end of file, expected a value"},
        Bad{"{\"a\": 1,}", 1, 9, "trailing comma before '}'"},
        Bad{"[1, 2,]", 1, 7, "trailing comma before ']'"},
        Bad{"{\"a\": 1, \"a\": 2}", 1, 10, "duplicate key 'a'"},
        Bad{"{\n  \"a\": {\"b\": 1,\n         \"b\": 2}}", 3, 10, "duplicate key 'b'"},
        Bad{"{\"a\" 1}", 1, 6, "expected ':' after key 'a'"},
        Bad{"{a: 1}", 1, 2, "expected a key in double quotes, got 'a'"},
        Bad{"[1 2]", 1, 4, "expected ',' or ']', got '2'"},
        Bad{"{\"a\": 1 \"b\": 2}", 1, 9, "expected ',' or '}', got '\"'"},
        Bad{"\"abc", 1, 5, "unterminated string"},
        Bad{"\"a\nb\"", 1, 3, "unterminated string (a string cannot span lines)"},
        Bad{"\"a\tb\"", 1, 3, "control character \\x09 in a string (escape it)"},
        Bad{"\"\\q\"", 1, 2, "unknown escape '\\q'"},
        Bad{"\"ab\xe9\"", 1, 4, "invalid UTF-8 byte \\xe9 in a string"},
        Bad{"\"\xc0\xaf\"", 1, 2, "invalid UTF-8 byte \\xc0 in a string"},
        Bad{"\"\xed\xa0\x80\"", 1, 2, "invalid UTF-8 byte \\xed in a string"},
        Bad{"\xef\xbb\xbf{}", 1, 1, "unexpected '\\xef', expected a value"},
        Bad{"\"\\u12\"", 1, 2, "truncated \\u escape"},
        Bad{"\"x\\u12zz\"", 1, 3, "malformed \\u escape"},
        Bad{"\"\\ud800\"", 1, 2, "unpaired surrogate in \\u escape"},
        Bad{"012", 1, 2, "a number may not have leading zeros"},
        Bad{"1.", 1, 3, "malformed number: digits expected after '.'"},
        Bad{"1e", 1, 3, "malformed number: digits expected in the exponent"},
        Bad{"-", 1, 2, "malformed number"},
        Bad{"tru", 1, 1, "unexpected 't', expected a value"},
        Bad{"{} x", 1, 4, "unexpected 'x' after the end of the document"},
        Bad{"[\n\n   @]", 3, 4, "unexpected '@', expected a value"}));

TEST(JsonText, RefusesDeepNesting) {
    std::string deep(100, '[');
    deep += std::string(100, ']');
    EXPECT_THROW(parse("f", deep), pkg::FileError);
    std::string ok(60, '[');
    ok += std::string(60, ']');
    EXPECT_NO_THROW(parse("f", ok));
}

TEST(JsonText, QuoteEscapes) {
    EXPECT_EQ(pkg::json::quote("a\"b\\\n\x01"), "\"a\\\"b\\\\\\n\\u0001\"");
}

}  // namespace

namespace {

TEST(JsonText, ADocumentOfMoreThanAHundredThousandValuesIsRefused) {
    auto array_of = [](std::size_t n) {
        std::string text = "[";
        for (std::size_t i = 0; i < n; ++i) text += i ? ",1" : "1";
        return text + "]";
    };
    EXPECT_EQ(pkg::json::parse("ok.json", array_of(99999)).items.size(), 99999u);  // with the array: 100,000
    try {
        pkg::json::parse("big.json", array_of(100000));
        FAIL() << "no error";
    } catch (const pkg::FileError& e) {
        EXPECT_EQ(e.file(), "big.json");
        EXPECT_EQ(e.line(), 1);
        EXPECT_EQ(e.detail(), "more than 100000 values in one document");
    }
}

}  // namespace
