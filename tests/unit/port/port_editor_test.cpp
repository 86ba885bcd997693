// Edits of port.json that keep the rest of the text byte for byte.

#include "pkg/port/port_editor.hpp"

#include <gtest/gtest.h>

namespace {

const std::string kText =
    "{\n"
    "  \"name\": \"a\",\n"
    "  \"version\":  \"1.0\",   \"release\": 4,\n"
    "  \"sources\": [\n"
    "    {\n"
    "      \"url\": \"https://example.org/a-{version}.tar.gz\",\n"
    "      \"alternatives\": [{\"debian\": {\"source\": \"a\", \"version\": \"1.0-1\", \"file\": \"a_1.0.orig.tar.gz\"},\n"
    "                        \"sha512\": \"" + std::string(128, 'c') + "\"}]\n"
    "    }\n"
    "  ]\n"
    "}\n";

TEST(PortEditor, AddsADigestAndSizeAfterTheUrlInTheObjectsLayout) {
    pkg::PortEditor e("port.json", kText);
    e.set_digest(0, -1, pkg::DigestAlgorithm::sha256, std::string(64, 'd'));
    e.set_size(0, -1, 42);
    std::string expected = kText;
    std::string url_line = "\"url\": \"https://example.org/a-{version}.tar.gz\"";
    expected.insert(expected.find(url_line) + url_line.size(),
                    ",\n      \"sha256\": \"" + std::string(64, 'd') + "\",\n      \"size\": 42");
    EXPECT_EQ(e.text(), expected);
}

TEST(PortEditor, ReplacesValuesInPlaceAndSwapsTheAlgorithm) {
    pkg::PortEditor e("port.json", kText);
    e.set_version("1.1");
    e.set_release(1);
    e.set_debian(0, 0, {"a", "1.1-2", "a_1.1.orig.tar.xz"});
    e.set_digest(0, 0, pkg::DigestAlgorithm::sha256, std::string(64, 'e'));
    std::string expected = kText;
    expected.replace(expected.find("\"1.0\""), 5, "\"1.1\"");
    expected.replace(expected.find("\"release\": 4"), 12, "\"release\": 1");
    expected.replace(expected.find("\"1.0-1\""), 7, "\"1.1-2\"");
    expected.replace(expected.find("\"a_1.0.orig.tar.gz\""), 19, "\"a_1.1.orig.tar.xz\"");
    expected.replace(expected.find("\"sha512\": \""), 11 + 128 + 1, "\"sha256\": \"" + std::string(64, 'e') + "\"");
    EXPECT_EQ(e.text(), expected);
    EXPECT_TRUE(e.changed());
}

TEST(PortEditor, AnEqualValueIsNoChange) {
    pkg::PortEditor e("port.json", kText);
    e.set_version("1.0");
    e.set_release(4);
    EXPECT_FALSE(e.changed());
    EXPECT_EQ(e.text(), kText);
}

TEST(PortEditor, AMemberFollowsTheLastOnesLineAndIndentation) {
    pkg::PortEditor e("port.json", kText);
    e.set_size(0, 0, 7);
    std::string expected = kText;
    std::string sha = "\"sha512\": \"" + std::string(128, 'c') + "\"";
    expected.insert(expected.find(sha) + sha.size(), ",\n" + std::string(24, ' ') + "\"size\": 7");
    EXPECT_EQ(e.text(), expected);
    // In an object all on one line, the member joins that line.
    pkg::PortEditor one("port.json", "{\"name\": \"a\", \"sources\": [{\"url\": \"https://x/a.tgz\"}]}\n");
    one.set_size(0, -1, 9);
    EXPECT_EQ(one.text(), "{\"name\": \"a\", \"sources\": [{\"url\": \"https://x/a.tgz\", \"size\": 9}]}\n");
}

}  // namespace
