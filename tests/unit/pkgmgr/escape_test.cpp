// Untrusted text on a terminal: terminal_text and the guard on stdout.

#include "output/escape.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace {

TEST(TerminalText, SpellsEveryControlCharacterAsHex) {
    EXPECT_EQ(pkgmgr::terminal_text("plain text ~!"), "plain text ~!");
    EXPECT_EQ(pkgmgr::terminal_text("a\nb\tc\rd"), "a\\x0ab\\x09c\\x0dd");
    EXPECT_EQ(pkgmgr::terminal_text("\x1b]0;title\x07"), "\\x1b]0;title\\x07");
    EXPECT_EQ(pkgmgr::terminal_text(std::string("nul\0x", 5)), "nul\\x00x");
    EXPECT_EQ(pkgmgr::terminal_text("del\x7f"), "del\\x7f");
    // C1 controls written in UTF-8 (U+0085, U+009B) are controls too.
    EXPECT_EQ(pkgmgr::terminal_text("\xc2\x85\xc2\x9b"), "\\xc2\\x85\\xc2\\x9b");
}

TEST(TerminalText, KeepsUtf8AndSpellsBytesThatAreNot) {
    EXPECT_EQ(pkgmgr::terminal_text("\xc3\xa9t\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80 \xc2\xa0"),
              "\xc3\xa9t\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80 \xc2\xa0");
    EXPECT_EQ(pkgmgr::terminal_text("\xff\xfe"), "\\xff\\xfe");
    EXPECT_EQ(pkgmgr::terminal_text("\xc0\xaf"), "\\xc0\\xaf");          // overlong '/'
    EXPECT_EQ(pkgmgr::terminal_text("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a surrogate
    EXPECT_EQ(pkgmgr::terminal_text("\xe6\x97"), "\\xe6\\x97");          // cut short
    EXPECT_EQ(pkgmgr::terminal_text("\x9b"), "\\x9b");                   // a raw C1 byte
}

TEST(TerminalText, LeavesBackslashesSoEscapingTwiceChangesNothing) {
    std::string once = pkgmgr::terminal_text("a\\b\x1b");
    EXPECT_EQ(once, "a\\b\\x1b");
    EXPECT_EQ(pkgmgr::terminal_text(once), once);
}

TEST(TerminalGuard, EscapesEverythingButNewlinesOnTheStream) {
    std::ostringstream sink;
    {
        pkgmgr::TerminalGuard guard(sink);
        sink << "line one\x1b[2J\n" << "split \xe6";
        sink << "\x97\xa5 rest\n" << "tail\x07";
    }
    EXPECT_EQ(sink.str(), "line one\\x1b[2J\nsplit \xe6\x97\xa5 rest\ntail\\x07");
}

TEST(TerminalGuard, RestoresTheStreamAndPassesFlushes) {
    std::ostringstream sink;
    {
        pkgmgr::TerminalGuard guard(sink);
        sink << "partial\x1b" << std::flush;
        EXPECT_EQ(sink.rdbuf() == nullptr, false);
    }
    sink << "\x1b";
    EXPECT_EQ(sink.str(), "partial\\x1b\x1b");
}

}  // namespace
