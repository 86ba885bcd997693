// The hostile corpus: packages crafted here, each breaking one rule of
// pkg-package(5). Each must be refused, by the reader alone, when extracted
// into a scratch root (naming the package, the member and the rule) and
// when pkg install is given it (the root and its database left exactly as
// they were), and nothing outside the scratch root may change.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "pkg/package/package_io.hpp"
#include "support/process.hpp"
#include "support/root_state.hpp"
#include "support/tar_builder.hpp"

namespace {
namespace fs = std::filesystem;
using pkg::ErrorKind;
using pkgtest::TarMember;
using pkgtest::TestPackage;

struct Hostile {
    std::string name;
    std::function<std::string()> bytes;
    std::string fragment;  ///< part of the rule the refusal must state
    std::string member;    ///< the member the refusal must name ("" when none)
    ErrorKind kind = ErrorKind::general;
    bool extraction_only = false;  ///< the package is well-formed; the root makes it hostile
    pkg::PackageLimits limits;
};

std::vector<Hostile> corpus() {
    std::vector<Hostile> out;
    using Mutate = std::function<void(TestPackage&)>;
    auto add = [&](std::string name, Mutate mutate, std::string fragment, std::string member,
                   ErrorKind kind = ErrorKind::general) {
        out.push_back({name, [mutate] {
                           TestPackage p = TestPackage::valid();
                           mutate(p);
                           return p.bytes();
                       },
                       fragment, member, kind});
    };
    auto add_raw = [&](std::string name, std::function<std::string()> bytes, std::string fragment) {
        out.push_back({name, bytes, fragment, "", ErrorKind::general});
    };

    // Bad names, listed in the manifest and present as members, of every type.
    std::string long_component = "bin/" + std::string(256, 'a');
    std::string long_path;
    for (int i = 0; i < 41; ++i) long_path += std::string(100, 'd') + "/";
    long_path += "x";
    const std::vector<std::tuple<std::string, std::string, std::string>> names = {
        {"absolute", "/etc/passwd", "absolute name"},
        {"dotdot", "../outside/pwned", "'..' component"},
        {"dotdot_inside", "bin/../../outside/pwned", "'..' component"},
        {"dotdot_alone", "..", "'..' component"},
        {"dotdot_last", "bin/..", "'..' component"},
        {"dot_prefix", "./bin/x", "'.' component"},
        {"dot_inside", "bin/./x", "'.' component"},
        {"dot_alone", ".", "'.' component"},
        {"double_slash", "bin//x", "empty path component"},
        {"newline", "bin/a\nb", "control character"},
        {"carriage_return", "bin/a\rb", "control character"},
        {"control", "bin/a\x01z", "control character"},
        {"escape", "bin/\x1b[2J", "control character"},
        {"delete", "bin/a\x7f", "control character"},
        {"tab", "bin/a\tb", "control character"},
        {"reserved", "+MANIFEST", "reserved for the manifest"},
        {"long_component", long_component, "path component longer than 255"},
        {"long_path", long_path, "name longer than 4095"},
    };
    for (const auto& [label, bad, fragment] : names) {
        for (char type : {'f', 'd', 'l', 'h'}) {
            if (type == 'd' && (label == "dotdot_alone" || label == "dot_alone")) continue;
            std::string bad_name = bad;
            std::string frag = fragment;
            add(fmt::format("name_{}_{}", label, type),
                [bad_name, type](TestPackage& p) {
                    TarMember m{bad_name, type, type == 'l' ? 0777u : 0644u, type == 'f' ? "x" : ""};
                    if (type == 'l') m.link = "/usr/lib/x";
                    if (type == 'h') m.link = "bin/tool", m.mode = 0755;
                    p.members.push_back(m);
                    p.sync();
                },
                frag, bad_name);
        }
        // The manifest is clean, the member's name is not.
        std::string bad_name = bad;
        add("member_name_" + label,
            [bad_name](TestPackage& p) { p.members[1].name = bad_name; }, fragment, bad_name);
    }
    for (char type : {'f', 'l', 'h'}) {
        add(std::string("name_trailing_slash_") + type,
            [type](TestPackage& p) {
                TarMember m{"bin/x/", type, type == 'l' ? 0777u : 0755u, ""};
                if (type == 'l') m.link = "/x";
                if (type == 'h') m.link = "bin/tool";
                p.members.push_back(m);
                p.sync();
            },
            "empty path component", "bin/x/");
    }

    // Names through symlinks of the package.
    add("below_own_symlink_absolute", [](TestPackage& p) {
        p.members.push_back({"lib/ld.so/evil", 'f', 0644, "x"});
        p.sync();
    }, "lies below 'lib/ld.so', a symlink of the package", "lib/ld.so/evil");
    add("below_own_symlink_relative", [](TestPackage& p) {
        p.members.insert(p.members.begin(), {"a", 'l', 0777, "", "../outside"});
        p.members.insert(p.members.begin() + 1, {"a/pwned", 'f', 0644, "x"});
        p.sync();
    }, "lies below 'a', a symlink of the package", "a/pwned");
    add("below_own_symlink_dir", [](TestPackage& p) {
        p.members.insert(p.members.begin(), {"a", 'l', 0777, "", "/etc"});
        p.members.insert(p.members.begin() + 1, {"a/cron.d", 'd', 0755});
        p.sync();
    }, "lies below 'a', a symlink of the package", "a/cron.d");
    add("below_own_file", [](TestPackage& p) {
        p.members.push_back({"etc/tool.conf/x", 'f', 0644, "x"});
        std::sort(p.members.begin(), p.members.end(), [](auto& a, auto& b) { return a.name < b.name; });
        p.sync();
    }, "lies below 'etc/tool.conf', which is not a directory", "etc/tool.conf/x");

    // Names through symlinks already in the root: well-formed packages,
    // refused by extraction (SafeRoot never follows a symlink). The root
    // has "escape" -> ../outside and "usr/lib" -> ../../outside.
    for (auto [label, members] : std::vector<std::pair<std::string, std::vector<TarMember>>>{
             {"root_symlink_dir", {{"escape", 'd', 0755}, {"escape/pwned", 'f', 0644, "x"}}},
             {"root_symlink_dir_symlink", {{"escape", 'd', 0755}, {"escape/link", 'l', 0777, "", "/etc/shadow"}}},
             {"root_symlink_file", {{"escape", 'f', 0644, "overwrite"}}},
             {"root_symlink_symlink", {{"escape", 'l', 0777, "", "/tmp"}}},
             {"root_symlink_hardlink", {{"bin", 'd', 0755}, {"bin/x", 'f', 0644, "x"}, {"escape", 'h', 0644, "", "bin/x"}}},
             {"root_symlink_nested", {{"usr", 'd', 0755}, {"usr/lib", 'd', 0755}, {"usr/lib/libc.so", 'f', 0644, "x"}}},
             {"root_symlink_nested_file", {{"usr", 'd', 0755}, {"usr/lib", 'f', 0644, "x"}}},
         }) {
        std::vector<TarMember> list = members;
        std::string failing;
        for (const auto& m : list) {
            if (failing.empty() && (m.name == "escape" || m.name == "usr/lib")) failing = m.name;
        }
        out.push_back({label, [list] {
                           TestPackage p = TestPackage::valid();
                           p.members = list;
                           p.sync();
                           return p.bytes();
                       },
                       failing, failing, ErrorKind::general, true});
    }
    add("parent_not_in_package", [](TestPackage& p) {
        p.members.push_back({"opt/x", 'f', 0644, "x"});
        p.sync();
    }, "its parent directory 'opt' is not in the package", "opt/x");

    // What a member may not carry.
    add("forbidden_xattr", [](TestPackage& p) { p.members[1].xattr_value = "v"; }, "carries extended attributes",
        "bin/tool");
    add("forbidden_owner_name", [](TestPackage& p) { p.members[1].uname = "bob"; }, "carries owner or group names",
        "bin/tool");
    add("forbidden_atime", [](TestPackage& p) { p.members[1].atime = true; }, "carries access, change or birth times",
        "bin/tool");
    add("forbidden_sparse", [](TestPackage& p) { p.members[5].sparse = true; }, "carries a sparse map",
        "etc/tool.conf");
    add("huge_pax_header", [](TestPackage& p) { p.members[1].xattr_value = std::string(1 << 20, 'v'); },
        "corrupt or truncated package", "bin");
    add("budget_lying_header", [](TestPackage& p) {
        // A member whose header claims far more data than the manifest lists.
        p.members[4].header_size = 64u << 20;
    }, "size 67108864 but the manifest says 0", "etc/empty", ErrorKind::verification);
    add("name_not_utf8", [](TestPackage& p) {
        p.members.push_back({"lib/zcafe", 'f', 0644, "x"});
        p.sync();
        p.members.back().name = "lib/zcaf\xe9";  // the manifest is JSON: only the member can lie
    }, "is not UTF-8", "lib/zcaf\xe9");
    add("name_c1_control", [](TestPackage& p) {
        p.members.push_back({"lib/a\xc2\x9b" "2J", 'f', 0644, "x"});
        p.sync();
    }, "control character in the name", "lib/a\xc2\x9b" "2J");
    add("symlink_target_escape_sequence", [](TestPackage& p) {
        p.members[7].link = "\x1b]0;pwned\x07";
        p.sync();
    }, "control character in the symlink target", "lib/ld.so");
    add("manifest_duplicate_key", [](TestPackage& p) {
        auto j = p.manifest.to_json();
        p.manifest_text = "{\"format\": 2, " + j.substr(1);
    }, "duplicate key 'format'", "+MANIFEST");
    add("manifest_deep_nesting", [](TestPackage& p) {
        auto j = p.manifest.to_json();
        p.manifest_text = j.substr(0, j.size() - 2) + ",\"x\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
    }, "nests deeper than its format", "+MANIFEST");
    add("manifest_mode_overflow", [](TestPackage& p) {
        auto j = p.manifest.to_json();
        auto at = j.find("\"mode\":493");
        p.manifest_text = j.substr(0, at) + "\"mode\":18446744073709551615" + j.substr(at + 10);
    }, "mode has bits beyond permissions", "bin");
    add("manifest_epoch_overflow", [](TestPackage& p) {
        auto j = p.manifest.to_json();
        auto at = j.find("\"source-date-epoch\":1700000000");
        p.manifest_text = j.substr(0, at) + "\"source-date-epoch\":9223372036854775808" + j.substr(at + 30);
    }, "'source-date-epoch' is out of range", "+MANIFEST");
    add("manifest_release_not_whole", [](TestPackage& p) { p.manifest.release = "1.5"; }, "is not a whole number",
        "+MANIFEST");

    // Hard links.
    add("hardlink_outside_relative", [](TestPackage& p) { p.members[2].link = "../outside/sentinel"; p.sync(); },
        "a hard link must name an earlier file", "bin/tool2");
    add("hardlink_absolute", [](TestPackage& p) { p.members[2].link = "/etc/passwd"; p.sync(); },
        "a hard link must name an earlier file", "bin/tool2");
    add("hardlink_to_root_file", [](TestPackage& p) { p.members[2].link = "escape"; p.sync(); },
        "a hard link must name an earlier file", "bin/tool2");
    add("hardlink_to_symlink", [](TestPackage& p) {
        p.members.push_back({"lib/x", 'h', 0777, "", "lib/ld.so"});
        p.sync();
    }, "a hard link must name an earlier file", "lib/x");
    add("hardlink_to_directory", [](TestPackage& p) { p.members[2].link = "bin"; p.sync(); },
        "a hard link must name an earlier file", "bin/tool2");
    add("hardlink_forward", [](TestPackage& p) {
        p.members.insert(p.members.begin() + 1, {"bin/a", 'h', 0644, "", "etc/tool.conf"});
        p.sync();
    }, "a hard link must name an earlier file", "bin/a");
    add("hardlink_target_lies", [](TestPackage& p) { p.members[2].link = "etc/empty"; },
        "link target 'etc/empty' but the manifest says 'bin/tool'", "bin/tool2");
    add("symlink_target_lies", [](TestPackage& p) { p.members[7].link = "/etc/shadow"; },
        "link target '/etc/shadow' but the manifest says '/usr/lib/libc.so'", "lib/ld.so");

    // Special files.
    for (auto [label, type] : std::vector<std::pair<std::string, char>>{
             {"char_device", 'c'}, {"block_device", 'b'}, {"fifo", 'p'}}) {
        char t = type;
        add("special_" + label, [t](TestPackage& p) {
            p.members.push_back({"lib/zz", t, 0644});
            p.sync();
            p.manifest.entries.back().type = pkg::EntryType::file;
            p.manifest.entries.back().sha256 = pkgtest::sha256("");
        }, "device nodes, FIFOs and sockets are refused", "lib/zz");
    }

    // Modes, owners, times.
    for (auto [label, bits] : std::vector<std::pair<std::string, unsigned>>{
             {"setuid", 04000}, {"setgid", 02000}, {"sticky", 01000}}) {
        unsigned b = bits;
        add("undeclared_" + label, [b](TestPackage& p) { p.members[1].mode |= b; },
            "setuid, setgid or sticky bit the manifest does not declare", "bin/tool");
    }
    add("mode_lies", [](TestPackage& p) { p.members[4].mode = 0666; }, "mode 0666 but the manifest says 0644",
        "etc/empty");
    add("mode_beyond_bits", [](TestPackage& p) { p.manifest.entries[1].mode = 0100755; },
        "mode has bits beyond permissions", "bin/tool");
    add("symlink_setuid", [](TestPackage& p) { p.manifest.entries[7].mode = 04777; },
        "a symlink has no setuid", "lib/ld.so");
    add("owner_not_root", [](TestPackage& p) { p.members[1].uid = 1000; }, "owner and group must be root",
        "bin/tool");
    add("group_not_root", [](TestPackage& p) { p.members[1].gid = 5; }, "owner and group must be root", "bin/tool");
    add("mtime_after_epoch", [](TestPackage& p) { p.members[1].mtime = 1800000000; },
        "later than the package's SOURCE_DATE_EPOCH", "bin/tool");

    // Members and manifest entries that do not match.
    add("member_not_in_manifest", [](TestPackage& p) { p.members.push_back({"zz", 'f', 0644, "x"}); },
        "not in the manifest", "zz");
    add("member_not_listed_in_middle", [](TestPackage& p) {
        p.members.insert(p.members.begin() + 1, {"bin/aa", 'f', 0644, "x"});
    }, "not in the manifest", "bin/aa");
    add("entry_without_member", [](TestPackage& p) { p.members.pop_back(); },
        "listed in the manifest but not in the package", "lib/ld.so");
    add("member_twice", [](TestPackage& p) { p.members.insert(p.members.begin() + 2, p.members[1]); },
        "appears twice in the package", "bin/tool");
    add("members_out_of_order", [](TestPackage& p) { std::swap(p.members[4], p.members[5]); },
        "out of order", "etc/tool.conf");
    add("manifest_lists_twice", [](TestPackage& p) {
        p.manifest.entries.insert(p.manifest.entries.begin() + 2, p.manifest.entries[1]);
    }, "listed twice in the manifest", "bin/tool");
    add("manifest_unsorted", [](TestPackage& p) { std::swap(p.manifest.entries[4], p.manifest.entries[5]); },
        "not sorted by path", "etc/empty");
    add("type_lies_dir_as_file", [](TestPackage& p) { p.manifest.entries[0].type = pkg::EntryType::file;
        p.manifest.entries[0].sha256 = pkgtest::sha256(""); }, "is a dir but the manifest says file", "bin");
    add("type_lies_file_as_symlink", [](TestPackage& p) {
        auto& e = p.manifest.entries[4];
        e.type = pkg::EntryType::symlink;
        e.sha256.clear();
        e.target = "/x";
    }, "is a file but the manifest says symlink", "etc/empty");

    // Content.
    add("content_digest_mismatch", [](TestPackage& p) { p.members[5].data = "setting = 2\n"; },
        "sha256 mismatch", "etc/tool.conf", ErrorKind::verification);
    add("content_size_mismatch", [](TestPackage& p) { p.members[5].data += "more"; },
        "size 16 but the manifest says 12", "etc/tool.conf", ErrorKind::verification);
    add("manifest_size_lies", [](TestPackage& p) { p.manifest.entries[5].size = 5; },
        "size 12 but the manifest says 5", "etc/tool.conf", ErrorKind::verification);
    add("empty_file_has_content", [](TestPackage& p) { p.members[4].data = "surprise"; },
        "size 8 but the manifest says 0", "etc/empty", ErrorKind::verification);
    add("digest_of_other_file", [](TestPackage& p) { p.manifest.entries[1].sha256 = p.manifest.entries[5].sha256; },
        "sha256 mismatch", "bin/tool", ErrorKind::verification);

    // The manifest itself.
    add("manifest_not_first", [](TestPackage& p) { p.manifest_first = false; },
        "the first member must be the manifest", "bin");
    add("manifest_missing_everything", [](TestPackage& p) { p.manifest_text = ""; }, "not valid JSON", "+MANIFEST");
    add("manifest_invalid_json", [](TestPackage& p) { p.manifest_text = "{\"format\": 1,"; }, "not valid JSON",
        "+MANIFEST");
    add("manifest_not_object", [](TestPackage& p) { p.manifest_text = "[1]"; }, "not a JSON object", "+MANIFEST");
    add("manifest_format_2", [](TestPackage& p) {
        auto j = p.manifest.to_json();
        p.manifest_text = "{\"format\": 2," + j.substr(j.find(',') + 1);
    }, "unknown format version 2", "+MANIFEST");
    add("manifest_format_string", [](TestPackage& p) {
        auto j = p.manifest.to_json();
        p.manifest_text = "{\"format\": \"1\"," + j.substr(j.find(',') + 1);
    }, "'format' has the wrong type", "+MANIFEST");
    add("manifest_unknown_key", [](TestPackage& p) {
        auto j = p.manifest.to_json();
        p.manifest_text = "{\"scripts\": \"rm -rf /\"," + j.substr(1);
    }, "unknown key 'scripts'", "+MANIFEST");
    add("manifest_lacks_entries", [](TestPackage& p) {
        auto j = p.manifest.to_json();
        p.manifest_text = j.substr(0, j.find(",\"entries\"")) + "}";
    }, "lacks 'entries'", "+MANIFEST");
    add("manifest_bad_name", [](TestPackage& p) { p.manifest.name = "../evil"; }, "bad name", "+MANIFEST");
    add("manifest_bad_version", [](TestPackage& p) { p.manifest.version = "1.0 beta"; }, "bad version", "+MANIFEST");
    add("manifest_bad_arch", [](TestPackage& p) { p.manifest.arch = "x86_64/../.."; }, "unknown arch", "+MANIFEST");
    add("manifest_bad_depends", [](TestPackage& p) { p.manifest.depends = {"libc >= 1"}; }, "bad entry in 'depends'",
        "+MANIFEST");
    add("manifest_bad_port_hash", [](TestPackage& p) { p.manifest.port_hash = "xyz"; }, "'port-hash' is not a sha256",
        "+MANIFEST");
    add("manifest_file_without_sha", [](TestPackage& p) { p.manifest.entries[1].sha256.clear(); },
        "a file needs a sha256", "bin/tool");
    add("manifest_dir_with_size", [](TestPackage& p) { p.manifest.entries[0].size = 10; },
        "only files have a size", "bin");
    add("manifest_config_dir", [](TestPackage& p) { p.manifest.entries[0].config = true; },
        "only files can be configuration", "bin");
    add("manifest_symlink_without_target", [](TestPackage& p) { p.manifest.entries[7].target.clear(); },
        "a symlink needs a target", "lib/ld.so");
    add("manifest_dir_with_target", [](TestPackage& p) { p.manifest.entries[0].target = "/etc"; },
        "a directory has no target", "bin");
    add("manifest_entry_extra_key", [](TestPackage& p) {
        auto j = p.manifest.to_json();
        auto at = j.find("{\"path\":\"bin\"");
        p.manifest_text = j.substr(0, at + 1) + "\"setuid\":true," + j.substr(at + 1);
    }, "exactly the keys", "bin");
    add("manifest_negative_mode", [](TestPackage& p) {
        auto j = p.manifest.to_json();
        auto at = j.find("\"mode\":493");
        p.manifest_text = j.substr(0, at) + "\"mode\":-1" + j.substr(at + 10);
    }, "'mode' has the wrong type", "+MANIFEST");
    // Limits (small ones, so that the corpus stays small).
    auto limited = [&](std::string name, Mutate mutate, std::string fragment, std::string member,
                       pkg::PackageLimits limits) {
        add(name, mutate, fragment, member);
        out.back().limits = limits;
    };
    pkg::PackageLimits small;
    small.file_bytes = 10;
    limited("limit_file_size", [](TestPackage&) {}, "larger than 10 bytes", "bin/tool", small);
    pkg::PackageLimits total;
    total.total_bytes = 25;
    limited("limit_total_size", [](TestPackage&) {}, "files total more than 25 bytes", "etc/tool.conf", total);
    pkg::PackageLimits entries;
    entries.entries = 3;
    limited("limit_entries", [](TestPackage&) {}, "more than 3 entries", "+MANIFEST", entries);
    pkg::PackageLimits manifest;
    manifest.manifest_bytes = 100;
    limited("limit_manifest", [](TestPackage&) {}, "manifest larger than 100 bytes", "+MANIFEST", manifest);
    pkg::PackageLimits path;
    path.path_bytes = 8;
    limited("limit_path", [](TestPackage&) {}, "name longer than 8 bytes", "bin/tool2", path);

    // The stream.
    add_raw("stream_empty", [] { return std::string(); }, "corrupt or truncated package");
    add_raw("stream_garbage", [] { return std::string(4096, '\x5a'); }, "corrupt or truncated package");
    add_raw("stream_truncated_half", [] {
        std::string b = TestPackage::valid().bytes();
        return b.substr(0, b.size() / 2);
    }, "corrupt or truncated package");
    add_raw("stream_truncated_tail", [] {
        std::string b = TestPackage::valid().bytes();
        return b.substr(0, b.size() - 8);
    }, "corrupt or truncated package");
    add_raw("stream_zstd_of_garbage", [] {
        return pkgtest::build_tar({}, pkgtest::Compression::zstd).substr(0, 4) + std::string(64, '\x01');
    }, "corrupt or truncated package");
    // The tar stream's structure, below what libarchive reports: each member
    // has its own pax header declaring hdrcharset=BINARY, and nothing follows
    // the end marker.
    auto crafted = [&](std::string name, std::function<void(std::vector<pkgtest::TarRecord>&)> craft,
                       std::string fragment, std::string member) {
        out.push_back({name, [craft] {
                           TestPackage p = TestPackage::valid();
                           p.compression = pkgtest::Compression::none;
                           auto records = pkgtest::split_tar(p.bytes());
                           craft(records);
                           return pkgtest::zstd_compress(pkgtest::join_tar(records));
                       },
                       fragment, member, ErrorKind::general});
    };
    auto find = [](std::vector<pkgtest::TarRecord>& records, const std::string& name) {
        for (std::size_t i = 0; i < records.size(); ++i) {
            const std::string& h = records[i].header;
            if (!h.empty() && records[i].type() != 'x' && h.substr(0, h.find('\0')) == name) return i;
        }
        throw std::runtime_error("no member " + name);
    };
    crafted("pax_missing_before_manifest", [&](auto& r) { r.erase(r.begin() + find(r, "+MANIFEST") - 1); },
            "a plain ustar member: each member needs its own pax header", "+MANIFEST");
    crafted("pax_missing_before_member", [&](auto& r) { r.erase(r.begin() + find(r, "bin/tool") - 1); },
            "a plain ustar member: each member needs its own pax header", "bin/tool");
    crafted("pax_hdrcharset_utf8", [&](auto& r) {
        auto& pax = r[find(r, "bin/tool") - 1];
        std::string record = "20 hdrcharset=UTF-8\n";
        pax.data = record + std::string(512 - record.size(), '\0');
        pkgtest::set_tar_size(pax.header, record.size());
    }, "its pax header declares hdrcharset=UTF-8, not BINARY", "bin/tool");
    crafted("pax_global_header", [&](auto& r) {
        pkgtest::TarRecord global = r[0];
        global.header[156] = 'g';
        pkgtest::fix_tar_checksum(global.header);
        r.insert(r.begin(), global);
    }, "a pax global header, which packages may not carry", "+MANIFEST");
    crafted("stream_second_archive", [&](auto& r) {
        TestPackage p = TestPackage::valid();
        p.compression = pkgtest::Compression::none;
        r.back().data += p.bytes();
    }, "data after the archive's end marker", "");
    crafted("stream_garbage_after_end", [&](auto& r) { r.back().data += "garbage"; },
            "data after the archive's end marker", "");
    crafted("stream_no_end_marker", [&](auto& r) { r.back().data.clear(); },
            "the archive lacks its end marker (two zero blocks)", "");
    add("manifest_nul_and_garbage", [](TestPackage& p) {
        p.manifest_text = p.manifest.to_json() + std::string(1, '\0') + "{garbage";
    }, "NUL byte in the manifest", "+MANIFEST");
    add("manifest_byte_order_mark", [](TestPackage& p) { p.manifest_text = "\xef\xbb\xbf" + p.manifest.to_json(); },
        "the manifest starts with a byte-order mark", "+MANIFEST");
    add("manifest_trailing_text", [](TestPackage& p) { p.manifest_text = p.manifest.to_json() + "{}"; },
        "the manifest is not valid JSON", "+MANIFEST");
    add("hardlink_mode_differs", [](TestPackage& p) {
        for (auto& m : p.members) {
            if (m.name == "bin/tool2") m.mode = 04755;
        }
        p.sync();
    }, "a hard link has its file's mode 0755, not 4755", "bin/tool2");
    // Only zstd is read at all: gzip is not even recognised.
    add("stream_gzip", [](TestPackage& p) { p.compression = pkgtest::Compression::gzip; },
        "corrupt or truncated package", "");
    add("stream_uncompressed", [](TestPackage& p) { p.compression = pkgtest::Compression::none; },
        "not compressed with zstd alone", "");
    return out;
}

// Everything under `dir` but `skip`: path -> type, mode and content or target.
std::map<std::string, std::string> snapshot(const fs::path& dir, const fs::path& skip) {
    std::map<std::string, std::string> out;
    for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
        if (it->path() == skip) {
            it.disable_recursion_pending();
            continue;
        }
        struct stat st {};
        lstat(it->path().c_str(), &st);
        std::string value = std::to_string(st.st_mode);
        if (S_ISLNK(st.st_mode)) value += " -> " + fs::read_symlink(it->path()).string();
        if (S_ISREG(st.st_mode)) {
            std::ifstream in(it->path(), std::ios::binary);
            std::stringstream s;
            s << in.rdbuf();
            value += " " + s.str();
        }
        out[it->path().string()] = value;
    }
    return out;
}

// A plain package for the root the corpus is installed over, made once by pkg create.
std::string base_package() {
    static pkgtest::ScratchDir dir;
    static std::string file = [] {
        dir.write("staged/opt/base/file", "base\n");
        auto r = pkgtest::run_pkg({"create", "--from", dir.path() + "/staged", "--name", "base", "--pkgver", "1.0",
                                   "--arch", "any", "-o", dir.path()});
        EXPECT_EQ(r.status, 0) << r.err;
        return dir.path() + "/base-1.0-1-any.pkg.tar.zst";
    }();
    return file;
}

void PrintTo(const Hostile& c, std::ostream* os) { *os << c.name; }

class HostilePackage : public ::testing::TestWithParam<Hostile> {};

void expect_refusal(const std::function<void()>& action, const Hostile& c, const std::string& file) {
    try {
        action();
        ADD_FAILURE() << c.name << ": accepted";
    } catch (const pkg::Error& e) {
        std::string what = e.what();
        EXPECT_EQ(what.rfind(file, 0), 0u) << c.name << ": does not name the package: " << what;
        EXPECT_NE(what.find(c.fragment), std::string::npos) << c.name << ": " << what;
        if (!c.member.empty()) {
            EXPECT_NE(what.find("member '" + pkg::printable_name(c.member) + "'"), std::string::npos)
                << c.name << ": " << what;
        }
        EXPECT_EQ(e.kind(), c.kind) << c.name << ": " << what;
    }
}

TEST_P(HostilePackage, IsRefusedAndNothingOutsideTheRootChanges) {
    const Hostile& c = GetParam();
    pkgtest::ScratchDir dir;
    fs::path base = dir.path();
    fs::create_directories(base / "root");
    fs::create_directories(base / "outside");
    dir.write("outside/sentinel", "keep me\n");
    fs::create_directory_symlink("../outside", base / "root" / "escape");
    fs::create_directories(base / "root" / "usr");
    fs::create_directory_symlink("../../outside", base / "root" / "usr" / "lib");
    std::string file = (base / "packages" / "case.pkg.tar.zst").string();
    dir.write("packages/case.pkg.tar.zst", c.bytes());
    auto before = snapshot(base, base / "root");

    // Cases with small limits are hostile only under them: the reader's
    // alone. The others are installed by pkg over a root with a package in
    // it: refused, and the root's tree and database are exactly as they were.
    bool default_limits =
        c.limits.file_bytes == pkg::PackageLimits{}.file_bytes && c.limits.entries == pkg::PackageLimits{}.entries &&
        c.limits.total_bytes == pkg::PackageLimits{}.total_bytes &&
        c.limits.manifest_bytes == pkg::PackageLimits{}.manifest_bytes &&
        c.limits.path_bytes == pkg::PackageLimits{}.path_bytes;
    if (default_limits) {
        fs::path root = base / "root";
        auto installed = pkgtest::run_pkg({"--root", root.string(), "install", "-y", base_package()});
        ASSERT_EQ(installed.status, 0) << installed.err;
        std::string tree = pkgtest::dump_tree(root), db = pkgtest::dump_database(pkgtest::database_file(root));
        auto r = pkgtest::run_pkg({"--root", root.string(), "install", "-y", file});
        EXPECT_NE(r.status, 0) << c.name << ": pkg install accepted it";
        EXPECT_NE(r.err.find("error: "), std::string::npos) << c.name << ": " << r.err;
        EXPECT_EQ(pkgtest::dump_tree(root), tree) << c.name << ": pkg install changed the root\n" << r.err;
        EXPECT_EQ(pkgtest::dump_database(pkgtest::database_file(root)), db) << c.name << ": the database changed";
        EXPECT_EQ(pkgtest::leftovers(root), std::vector<std::string>{}) << c.name;
    }

    if (!c.extraction_only) {
        pkg::PackageVisitor nothing;
        expect_refusal([&] { pkg::read_package(file, nothing, c.limits); }, c, file);
    }
    if (default_limits) {
        expect_refusal([&] { pkg::extract_package(file, base / "root"); }, c, file);
    }
    EXPECT_EQ(snapshot(base, base / "root"), before) << c.name << ": something outside the root changed";
    EXPECT_EQ(fs::read_symlink(base / "root" / "escape"), "../outside") << c.name;
}

INSTANTIATE_TEST_SUITE_P(Corpus, HostilePackage, ::testing::ValuesIn(corpus()),
                         [](const ::testing::TestParamInfo<Hostile>& info) { return info.param.name; });

TEST(HostileCorpus, HasAtLeastAHundredCases) { EXPECT_GE(corpus().size(), 100u); }

TEST(HostileCorpus, ManifestAsDirectoryIsRefused) {
    pkgtest::ScratchDir dir;
    TestPackage p = TestPackage::valid();
    std::vector<TarMember> members = {{"+MANIFEST", 'd', 0755}};
    std::string file = dir.write("p.pkg.tar.zst", pkgtest::build_tar(members));
    pkg::PackageVisitor nothing;
    try {
        pkg::read_package(file, nothing);
        FAIL();
    } catch (const pkg::PackageError& e) {
        EXPECT_NE(std::string(e.what()).find("member '+MANIFEST': the manifest must be a regular file"),
                  std::string::npos)
            << e.what();
    }
}

}  // namespace
