// The one door to a root: every operation acts below the root or fails,
// whatever symlinks, FIFOs or files a hostile tree holds.

#include "pkg/root/safe_root.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>

#include "pkg/error.hpp"
#include "support/process.hpp"

namespace {
namespace fs = std::filesystem;

struct Tree {
    pkgtest::ScratchDir dir;
    fs::path root = fs::path(dir.path()) / "root";
    fs::path outside = fs::path(dir.path()) / "outside";
    Tree() {
        fs::create_directories(root / "a/b");
        fs::create_directories(outside / "b");
        std::ofstream(outside / "secret") << "secret";
        std::ofstream(root / "a/file") << "file";
    }
    // Everything below `outside`, to show that nothing there changed.
    std::vector<std::string> outside_listing() const {
        std::vector<std::string> out;
        for (auto& e : fs::recursive_directory_iterator(outside)) {
            struct stat st {};
            lstat(e.path().c_str(), &st);
            out.push_back(e.path().string() + " " + std::to_string(st.st_mode));
        }
        std::sort(out.begin(), out.end());
        return out;
    }
};

std::string error_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const pkg::Error& e) {
        return e.what();
    }
    return "";
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Every operation, on `path`.
std::vector<std::pair<std::string, std::function<void(pkg::SafeRoot&, const std::string&)>>> operations() {
    return {
        {"make_directory", [](pkg::SafeRoot& r, const std::string& p) { r.make_directory(p, 0755); }},
        {"create_file", [](pkg::SafeRoot& r, const std::string& p) { ::close(r.create_file(p, 0644)); }},
        {"make_symlink", [](pkg::SafeRoot& r, const std::string& p) { r.make_symlink("target", p); }},
        {"make_hardlink", [](pkg::SafeRoot& r, const std::string& p) { r.make_hardlink("a/file", p); }},
        {"set_mode", [](pkg::SafeRoot& r, const std::string& p) { r.set_mode(p, 0777); }},
    };
}

TEST(SafeRoot, ASymlinkAtAnyDirectoryOfThePathIsNeverFollowed) {
    for (const auto& [name, operation] : operations()) {
        // A link at the first level, at a deeper level, relative and absolute.
        for (const auto& [link, target] : std::vector<std::pair<std::string, std::string>>{
                 {"l1", "OUTSIDE"}, {"a/l2", "../../outside"}, {"a/b/l3", "OUTSIDE/b"}}) {
            Tree t;
            std::string resolved = target == "OUTSIDE" ? t.outside.string()
                                   : target == "OUTSIDE/b" ? (t.outside / "b").string() : target;
            fs::create_symlink(resolved, t.root / link);
            auto before = t.outside_listing();
            pkg::SafeRoot root(t.root);
            std::string error = error_of([&] { operation(root, link + "/b/new"); });
            EXPECT_TRUE(has(error, "a symlink stands where a directory is needed")) << name << " " << link << ": " << error;
            error = error_of([&] { operation(root, link + "/new"); });
            EXPECT_TRUE(has(error, "a symlink stands where a directory is needed")) << name << " " << link << ": " << error;
            EXPECT_EQ(t.outside_listing(), before) << name << " through " << link;
        }
    }
}

TEST(SafeRoot, DotDotAndAbsoluteNamesStayBelowTheRoot) {
    for (const auto& [name, operation] : operations()) {
        Tree t;
        auto before = t.outside_listing();
        pkg::SafeRoot root(t.root);
        for (std::string path : std::vector<std::string>{"../outside/new", "a/../../outside/new", "a/b/../../../outside/new", "..", "a/..",
                                 "/outside/new", (t.outside / "new").string(), "", "a/", "."}) {
            EXPECT_NE(error_of([&] { operation(root, path); }), "") << name << " accepted '" << path << "'";
        }
        EXPECT_EQ(t.outside_listing(), before) << name;
        EXPECT_FALSE(fs::exists(t.root.parent_path() / "new"));
    }
}

TEST(SafeRoot, AFinalSymlinkIsActedOnItselfOrRefused) {
    Tree t;
    fs::create_symlink(t.outside / "secret", t.root / "a/link");
    fs::create_symlink(t.outside, t.root / "a/dirlink");
    pkg::SafeRoot root(t.root);
    auto before = t.outside_listing();
    EXPECT_NE(error_of([&] { ::close(root.create_file("a/link", 0644)); }), "");
    EXPECT_NE(error_of([&] { root.set_mode("a/link", 0777); }), "");
    EXPECT_NE(error_of([&] { root.make_directory("a/dirlink", 0755); }), "");  // not accepted as a directory
    EXPECT_NE(error_of([&] { root.make_symlink("x", "a/link"); }), "");
    // A hard link to a symlink links the symlink, never its target.
    root.make_hardlink("a/link", "a/hard");
    EXPECT_TRUE(fs::is_symlink(t.root / "a/hard"));
    EXPECT_EQ(t.outside_listing(), before);
    struct stat secret {};
    lstat((t.outside / "secret").c_str(), &secret);
    EXPECT_EQ(secret.st_nlink, 1u);
}

TEST(SafeRoot, ExistingEntriesAreNeverReplaced) {
    Tree t;
    ASSERT_EQ(mkfifo((t.root / "a/fifo").c_str(), 0644), 0);
    pkg::SafeRoot root(t.root);
    EXPECT_TRUE(has(error_of([&] { ::close(root.create_file("a/file", 0644)); }), "File exists"));
    EXPECT_TRUE(has(error_of([&] { ::close(root.create_file("a/fifo", 0644)); }), "File exists"));
    EXPECT_TRUE(has(error_of([&] { root.make_directory("a/file", 0755); }), "File exists"));
    EXPECT_TRUE(has(error_of([&] { root.make_symlink("x", "a/file"); }), "File exists"));
    EXPECT_TRUE(has(error_of([&] { root.make_hardlink("a/file", "a/fifo"); }), "File exists"));
    // A directory already there is accepted, its mode left alone.
    fs::permissions(t.root / "a/b", fs::perms(0700));
    root.make_directory("a/b", 0755);
    EXPECT_EQ(fs::status(t.root / "a/b").permissions(), fs::perms(0700));
    // set_mode on a FIFO does not block opening it.
    root.set_mode("a/fifo", 0600);
    EXPECT_EQ(fs::symlink_status(t.root / "a/fifo").permissions(), fs::perms(0600));
    std::ifstream in(t.root / "a/file");
    std::string content;
    in >> content;
    EXPECT_EQ(content, "file");
}

TEST(SafeRoot, CreatesWithExactModesAndNamesWhatFailed) {
    Tree t;
    pkg::SafeRoot root(t.root);
    mode_t old = umask(077);
    root.make_directory("a/new", 0751);
    int fd = root.create_file("a/new/f", 04755);
    umask(old);
    ::close(fd);
    EXPECT_EQ(fs::status(t.root / "a/new").permissions(), fs::perms(0751));
    struct stat st {};
    lstat((t.root / "a/new/f").c_str(), &st);
    EXPECT_EQ(st.st_mode & 07777, 04755u);
    try {
        root.create_file("missing/dir/f", 0644);
        FAIL();
    } catch (const pkg::SystemError& e) {
        EXPECT_EQ(e.error_number(), ENOENT);
        EXPECT_EQ(e.where().path, (t.root / "missing/dir").string());
        EXPECT_TRUE(has(e.what(), "cannot open directory " + t.root.string() + "/missing/dir")) << e.what();
    }
    EXPECT_THROW(pkg::SafeRoot(t.root / "nonexistent"), pkg::SystemError);
}

}  // namespace
