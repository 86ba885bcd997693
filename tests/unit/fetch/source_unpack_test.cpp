// Unpacking source archives (port(5), unpack). The hostile corpus: archives
// crafted here, each breaking one rule; each must be refused with an error
// naming the archive, the member and the rule, and nothing outside the
// destination may change (the destination is a subdirectory of a scratch
// directory whose listing is compared). Then what must unpack: every
// compression and tar format, zip, each rule, links, long names, modes.

#include "pkg/fetch/source_unpack.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <clocale>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <sstream>

#include "support/process.hpp"
#include "support/tar_builder.hpp"

namespace {
namespace fs = std::filesystem;
using pkg::ErrorKind;
using pkg::UnpackRule;
using pkgtest::TarMember;

// ---- Archives, written with libarchive itself -------------------------------

enum class Format { gnu, pax, ustar, v7, zip };

la_ssize_t append(struct archive*, void* out, const void* data, size_t size) {
    static_cast<std::string*>(out)->append(static_cast<const char*>(data), size);
    return static_cast<la_ssize_t>(size);
}

void set_format(struct archive* a, Format format) {
    switch (format) {
        case Format::gnu: archive_write_set_format_gnutar(a); break;
        case Format::pax: archive_write_set_format_pax_restricted(a); break;
        case Format::ustar: archive_write_set_format_ustar(a); break;
        case Format::v7: archive_write_set_format_v7tar(a); break;
        case Format::zip: archive_write_set_format_zip(a); break;
    }
}

/// An archive of `members`, compressed with libarchive's `filter` (a tar's
/// compression; ARCHIVE_FILTER_NONE for none).
std::string make_archive(const std::vector<TarMember>& members, Format format = Format::gnu,
                         int filter = ARCHIVE_FILTER_GZIP) {
    std::string out;
    struct archive* a = archive_write_new();
    set_format(a, format);
    if (filter != ARCHIVE_FILTER_NONE) archive_write_add_filter(a, filter);
    archive_write_set_bytes_in_last_block(a, 1);
    if (archive_write_open(a, &out, nullptr, append, nullptr) != ARCHIVE_OK) {
        throw std::runtime_error(archive_error_string(a));
    }
    for (const TarMember& m : members) {
        struct archive_entry* e = archive_entry_new();
        archive_entry_set_pathname(e, m.name.c_str());
        archive_entry_set_perm(e, m.mode);
        archive_entry_set_mtime(e, m.mtime ? m.mtime : 1700000000, 0);
        switch (m.type) {
            case 'd': archive_entry_set_filetype(e, AE_IFDIR); break;
            case 'l':
                archive_entry_set_filetype(e, AE_IFLNK);
                archive_entry_set_symlink(e, m.link.c_str());
                break;
            case 'h':
                archive_entry_set_filetype(e, AE_IFREG);
                archive_entry_set_hardlink(e, m.link.c_str());
                break;
            case 'c':
                archive_entry_set_filetype(e, AE_IFCHR);
                archive_entry_set_rdev(e, 0x0103);
                break;
            case 'b':
                archive_entry_set_filetype(e, AE_IFBLK);
                archive_entry_set_rdev(e, 0x0800);
                break;
            case 'p': archive_entry_set_filetype(e, AE_IFIFO); break;
            default:
                archive_entry_set_filetype(e, AE_IFREG);
                archive_entry_set_size(e, static_cast<la_int64_t>(m.data.size()));
        }
        int rc = archive_write_header(a, e);
        archive_entry_free(e);
        if (rc < ARCHIVE_WARN) throw std::runtime_error("archive builder: " + m.name + ": " + archive_error_string(a));
        if (m.type == 'f' && !m.data.empty()) archive_write_data(a, m.data.data(), m.data.size());
    }
    archive_write_close(a);
    archive_write_free(a);
    return out;
}

/// Compresses bytes (a crafted tar) as one stream of `filter`.
std::string compress(const std::string& raw, int filter) {
    std::string out;
    struct archive* a = archive_write_new();
    archive_write_set_format_raw(a);
    archive_write_add_filter(a, filter);
    archive_write_set_bytes_in_last_block(a, 1);
    archive_write_open(a, &out, nullptr, append, nullptr);
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, "raw");
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_size(e, static_cast<la_int64_t>(raw.size()));
    archive_write_header(a, e);
    archive_entry_free(e);
    archive_write_data(a, raw.data(), raw.size());
    archive_write_close(a);
    archive_write_free(a);
    return out;
}

std::string random_bytes(std::size_t n) {
    std::mt19937 generator(17);
    std::string out(n, '\0');
    for (auto& c : out)
        c = static_cast<char>(generator());
    return out;
}

// ---- The scratch directory and what is in it --------------------------------

/// A scratch directory holding the destination ("build"), a sentinel
/// outside it, and the archive under test ("distfiles/").
struct Scratch {
    pkgtest::ScratchDir dir;
    fs::path base{dir.path()};
    fs::path dest = base / "build";

    Scratch() {
        fs::create_directories(dest);
        dir.write("outside/sentinel", "keep me\n");
    }
    ~Scratch() {
        // A tree with 0555 directories in it is not removable by a user.
        std::error_code ec;
        for (auto it = fs::recursive_directory_iterator(base, ec); it != fs::recursive_directory_iterator();
             it.increment(ec)) {
            if (it->is_directory(ec) && !it->is_symlink(ec))
                fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
        }
    }
    fs::path archive(const std::string& bytes, const std::string& name = "source.tar.gz") const {
        return dir.write("distfiles/" + name, bytes);
    }
};

/// Every entry below `dir`, one sorted line each: path, mode, and a file's
/// content (with its link count when shared) or a link's target.
std::string listing(const fs::path& dir, const fs::path& skip = {}) {
    std::vector<std::string> lines;
    for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
        if (it->path() == skip) {
            it.disable_recursion_pending();
            continue;
        }
        struct stat st {};
        lstat(it->path().c_str(), &st);
        std::string line = fmt::format("{} {:04o}", it->path().lexically_relative(dir).string(), st.st_mode & 07777);
        if (S_ISDIR(st.st_mode)) line += " dir";
        if (S_ISLNK(st.st_mode)) line += " -> " + fs::read_symlink(it->path()).string();
        if (S_ISREG(st.st_mode)) {
            std::ifstream in(it->path(), std::ios::binary);
            std::stringstream text;
            text << in.rdbuf();
            line += " '" + text.str() + "'";
            if (st.st_nlink > 1) line += fmt::format(" nlink={}", st.st_nlink);
        }
        lines.push_back(line);
    }
    std::sort(lines.begin(), lines.end());
    std::string out;
    for (const auto& l : lines)
        out += l + "\n";
    return out;
}

UnpackRule strip(int n) {
    UnpackRule r;
    r.strip = n;
    return r;
}
UnpackRule directory(const std::string& name) {
    UnpackRule r;
    r.mode = UnpackRule::Mode::directory;
    r.directory = name;
    return r;
}

// ---- The hostile corpus ------------------------------------------------------

struct Hostile {
    std::string name;
    std::function<std::string(const fs::path& base)> bytes;  ///< the archive, given the scratch directory
    std::string member;    ///< the member the refusal names, as printed ("" when none)
    std::string fragment;  ///< part of the rule it states
    UnpackRule rule = strip(1);
    pkg::SourceLimits limits = {};
    ErrorKind kind = ErrorKind::general;
};

std::vector<Hostile> corpus() {
    std::vector<Hostile> out;
    using Members = std::function<std::vector<TarMember>(const std::string& base)>;
    auto add = [&](std::string name, Members members, std::string member, std::string fragment,
                   UnpackRule rule = strip(1), Format format = Format::gnu) {
        int filter = format == Format::zip ? ARCHIVE_FILTER_NONE : ARCHIVE_FILTER_GZIP;
        out.push_back({name,
                       [members, format, filter](const fs::path& base) {
                           return make_archive(members(base.string()), format, filter);
                       },
                       member, fragment, rule});
    };
    auto fixed = [](std::vector<TarMember> members) { return [members](const std::string&) { return members; }; };
    auto limited = [&](std::string name, std::vector<TarMember> members, std::string member, std::string fragment,
                       pkg::SourceLimits limits) {
        add(name, fixed(members), member, fragment);
        out.back().limits = limits;
    };

    // Names that leave the destination, in tar and zip.
    for (Format format : {Format::gnu, Format::zip}) {
        std::string f = format == Format::zip ? "zip_" : "";
        add(f + "dotdot_first", fixed({{"../outside/pwned", 'f', 0644, "x"}}), "../outside/pwned", "'..' component",
            strip(0), format);
        add(f + "dotdot_below_top", fixed({{"pkg/", 'd', 0755}, {"pkg/../../outside/pwned", 'f', 0644, "x"}}),
            "pkg/../../outside/pwned", "'..' component", strip(1), format);
        add(
            f + "absolute_file",
            [](const std::string& b) {
                return std::vector<TarMember>{{b + "/outside/pwned", 'f', 0644, "x"}};
            },
            "", "absolute name", strip(0), format);
        add(
            f + "absolute_directory",
            [](const std::string& b) {
                return std::vector<TarMember>{{b + "/outside/dir/", 'd', 0755}};
            },
            "", "absolute name", strip(0), format);
    }
    add("dotdot_directory", fixed({{"pkg/", 'd', 0755}, {"pkg/sub/../..", 'd', 0755}}), "pkg/sub/../../",
        "'..' component");

    // Hard links: only to a regular file the archive unpacked before, inside the tree.
    add("hardlink_out_of_tree", fixed({{"h", 'h', 0644, "", "../outside/sentinel"}}), "h",
        "hard link to '../outside/sentinel', outside the tree: '..' component", strip(0));
    add(
        "hardlink_absolute",
        [](const std::string& b) {
            return std::vector<TarMember>{{"h", 'h', 0644, "", b + "/outside/sentinel"}};
        },
        "h", "outside the tree: absolute name", strip(0));
    add("hardlink_to_symlink",
        fixed({{"pkg/", 'd', 0755},
               {"pkg/f", 'f', 0644, "x"},
               {"pkg/l", 'l', 0777, "", "f"},
               {"pkg/h", 'h', 0644, "", "pkg/l"}}),
        "pkg/h", "hard link to 'pkg/l', which is a symlink, not a regular file the archive");
    add("hardlink_to_non_member", fixed({{"pkg/", 'd', 0755}, {"pkg/h", 'h', 0644, "", "pkg/missing"}}), "pkg/h",
        "which is nothing, not a regular file");
    add("hardlink_to_later_member",
        fixed({{"pkg/", 'd', 0755}, {"pkg/h", 'h', 0644, "", "pkg/f"}, {"pkg/f", 'f', 0644, "x"}}), "pkg/h",
        "which is nothing, not a regular file");
    add("hardlink_to_directory", fixed({{"pkg/", 'd', 0755}, {"pkg/d/", 'd', 0755}, {"pkg/h", 'h', 0644, "", "pkg/d"}}),
        "pkg/h", "which is a directory");
    add("hardlink_to_stripped_top", fixed({{"pkg/", 'd', 0755}, {"pkg/h", 'h', 0644, "", "pkg"}}), "pkg/h",
        "which is nothing");
    add("hardlink_outside_named_directory", fixed({{"pkg/", 'd', 0755}, {"pkg/h", 'h', 0644, "", "other/f"}}), "pkg/h",
        "outside the tree: lies outside 'pkg/'", directory("pkg"));

    // Symlinks whose target leaves the tree, lexically or through the archive's other symlinks.
    add(
        "symlink_absolute",
        [](const std::string& b) {
            return std::vector<TarMember>{
                {"pkg/", 'd', 0755}, {"pkg/a", 'l', 0777, "", b + "/outside"}, {"pkg/a/pwned", 'f', 0644, "x"}};
        },
        "pkg/a", "leaves the tree");
    add("symlink_to_tmp",
        fixed({{"pkg/", 'd', 0755}, {"pkg/a", 'l', 0777, "", "/tmp"}, {"pkg/a/pwned", 'f', 0644, "x"}}), "pkg/a",
        "symlink target '/tmp' leaves the tree");
    add("symlink_dotdot_at_top",
        fixed({{"pkg/", 'd', 0755}, {"pkg/a", 'l', 0777, "", ".."}, {"pkg/a/outside/pwned", 'f', 0644, "x"}}), "pkg/a",
        "symlink target '..' leaves the tree");
    add("symlink_climbs_seven_from_six", fixed({{"pkg/1/2/3/4/5/6/l", 'l', 0777, "", "../../../../../../../outside"}}),
        "pkg/1/2/3/4/5/6/l", "leaves the tree");
    add("symlink_leaves_and_comes_back_by_name", fixed({{"pkg/d/l", 'l', 0777, "", "../../build/d"}}), "pkg/d/l",
        "leaves the tree");
    add("symlink_escapes_through_earlier_symlink",
        fixed({{"pkg/", 'd', 0755}, {"pkg/x", 'l', 0777, "", "."}, {"pkg/y", 'l', 0777, "", "x/x/../.."}}), "pkg/y",
        "leaves the tree through the archive's symlink 'x'");
    add("symlink_escapes_through_later_symlink",
        fixed({{"pkg/", 'd', 0755}, {"pkg/y", 'l', 0777, "", "x/x/../.."}, {"pkg/x", 'l', 0777, "", "."}}), "pkg/y",
        "leaves the tree through the archive's symlink 'x'");
    add("symlink_escapes_through_inner_dotdot_link",
        fixed({{"pkg/s/up", 'l', 0777, "", ".."}, {"pkg/esc", 'l', 0777, "", "s/up/s/up/../outside"}}), "pkg/esc",
        "through the archive's symlink 's/up'");
    add("zip_symlink_dotdot", fixed({{"a", 'l', 0777, "", "../outside"}}), "a", "leaves the tree", strip(0),
        Format::zip);

    // Members written through a symlink the archive planted inside the tree:
    // the door opens every parent with RESOLVE_NO_SYMLINKS and refuses.
    const char* through = "a symlink stands where a directory is needed";
    add("file_through_symlink",
        fixed({{"pkg/d/", 'd', 0755}, {"pkg/a", 'l', 0777, "", "d"}, {"pkg/a/x", 'f', 0644, "x"}}), "pkg/a/x", through);
    add("file_through_dotdot_symlink",
        fixed({{"pkg/sub/", 'd', 0755}, {"pkg/sub/a", 'l', 0777, "", ".."}, {"pkg/sub/a/x", 'f', 0644, "x"}}),
        "pkg/sub/a/x", through);
    add("directory_through_symlink",
        fixed({{"pkg/d/", 'd', 0755}, {"pkg/a", 'l', 0777, "", "d"}, {"pkg/a/sub/", 'd', 0755}}), "pkg/a/sub/",
        through);
    add("hardlink_through_symlink",
        fixed({{"pkg/d/", 'd', 0755},
               {"pkg/d/f", 'f', 0644, "x"},
               {"pkg/a", 'l', 0777, "", "d"},
               {"pkg/a/h", 'h', 0644, "", "pkg/d/f"}}),
        "pkg/a/h", through);
    add("symlink_through_symlink",
        fixed({{"pkg/d/", 'd', 0755}, {"pkg/a", 'l', 0777, "", "d"}, {"pkg/a/l", 'l', 0777, "", "x"}}), "pkg/a/l",
        through);
    add("file_over_symlink", fixed({{"pkg/a", 'l', 0777, "", "d"}, {"pkg/a", 'f', 0644, "x"}}), "pkg/a",
        "unpacks to 'a', where a symlink of the archive already is");

    // What a source has no use for.
    add("fifo", fixed({{"pkg/", 'd', 0755}, {"pkg/fifo", 'p', 0644}}), "pkg/fifo",
        "device nodes, FIFOs and sockets are refused");
    add("char_device", fixed({{"pkg/", 'd', 0755}, {"pkg/tty", 'c', 0644}}), "pkg/tty",
        "device nodes, FIFOs and sockets are refused");
    add("block_device", fixed({{"pkg/", 'd', 0755}, {"pkg/sda", 'b', 0644}}), "pkg/sda",
        "device nodes, FIFOs and sockets are refused");

    // Caps.
    pkg::SourceLimits three_members;
    three_members.max_members = 3;
    limited("too_many_members",
            {{"pkg/", 'd', 0755}, {"pkg/a", 'f', 0644, "a"}, {"pkg/b", 'f', 0644, "b"}, {"pkg/c", 'f', 0644, "c"}},
            "pkg/c", "more than 3 members", three_members);
    pkg::SourceLimits thousand_bytes;
    thousand_bytes.max_bytes = 1000;
    limited("too_many_bytes",
            {{"pkg/a", 'f', 0644, std::string(600, 'a')}, {"pkg/b", 'f', 0644, std::string(600, 'b')}}, "pkg/b",
            "unpacks to more than 1000 bytes in all", thousand_bytes);
    pkg::SourceLimits small_members;
    small_members.max_member_bytes = 100;
    limited("member_too_large", {{"pkg/a", 'f', 0644, std::string(200, 'a')}}, "pkg/a",
            "its header says 200 bytes, more than the 100 one member may have", small_members);
    pkg::SourceLimits shallow;
    shallow.max_depth = 4;
    limited("too_deep", {{"pkg/1/2/3/4/5", 'f', 0644, "x"}}, "pkg/1/2/3/4/5", "deeper than 4 levels", shallow);
    std::string long_name = "pkg/";
    for (int i = 0; i < 41; ++i)
        long_name += std::string(99, 'd') + "/";
    long_name += "x";
    add("name_too_long", fixed({{long_name, 'f', 0644, "x"}}), long_name, "name longer than 4096 bytes");
    std::string long_target;
    for (int i = 0; i < 2100; ++i)
        long_target += "a/";
    add("symlink_target_too_long", fixed({{"pkg/l", 'l', 0777, "", long_target}}), "pkg/l",
        "symlink target longer than 4096 bytes");

    // Sizes are never taken on trust: a header claiming more than the
    // archive holds, and a zip whose recorded sizes lie.
    out.push_back({"lying_tar_size",
                   [](const fs::path&) {
                       std::string raw =
                           make_archive({{"pkg/", 'd', 0755}, {"pkg/a", 'f', 0644, "hello"}, {"pkg/b", 'f', 0644, "b"}},
                                        Format::gnu, ARCHIVE_FILTER_NONE);
                       auto records = pkgtest::split_tar(raw);
                       pkgtest::set_tar_size(records[1].header, 1 << 20);
                       return compress(pkgtest::join_tar(records), ARCHIVE_FILTER_GZIP);
                   },
                   "pkg/a",
                   "corrupt or truncated archive",
                   strip(1),
                   {},
                   ErrorKind::verification});
    out.push_back({"lying_zip_size",
                   [](const fs::path&) {
                       std::string zip = make_archive({{"big", 'f', 0644, std::string(100000, 'z')}}, Format::zip,
                                                      ARCHIVE_FILTER_NONE);
                       // The uncompressed size in the local header, the central directory and the
                       // data descriptor.
                       for (std::size_t i = 0; i + 30 < zip.size(); ++i) {
                           std::size_t at = zip.compare(i, 4, "PK\3\4") == 0    ? i + 22
                                            : zip.compare(i, 4, "PK\1\2") == 0  ? i + 24
                                            : zip.compare(i, 4, "PK\7\10") == 0 ? i + 12
                                                                                : 0;
                           if (at) zip.replace(at, 4, std::string("\12\0\0\0", 4));
                       }
                       return zip;
                   },
                   "big",
                   "corrupt or truncated archive",
                   strip(0),
                   {},
                   ErrorKind::verification});

    // Broken streams say so.
    std::vector<TarMember> big = {
        {"pkg/", 'd', 0755}, {"pkg/big", 'f', 0644, random_bytes(256 << 10)}, {"pkg/after", 'f', 0644, "x"}};
    for (auto [label, filter] : std::vector<std::pair<std::string, int>>{{"gzip", ARCHIVE_FILTER_GZIP},
                                                                         {"bzip2", ARCHIVE_FILTER_BZIP2},
                                                                         {"xz", ARCHIVE_FILTER_XZ},
                                                                         {"zstd", ARCHIVE_FILTER_ZSTD},
                                                                         {"lzip", ARCHIVE_FILTER_LZIP}}) {
        int f = filter;
        // bzip2 decodes whole blocks of 900 kB: the first one never completes.
        out.push_back(
            {"truncated_" + label,
             [big, f](const fs::path&) {
                 std::string bytes = make_archive(big, Format::gnu, f);
                 return bytes.substr(0, bytes.size() / 2);
             },
             label == "bzip2" ? "" : "pkg/big",
             "corrupt or truncated " + std::string(label == "bzip2" ? "archive: truncated bzip2 input" : "archive"),
             strip(1),
             {},
             ErrorKind::verification});
    }
    // gzip's trailer is read with the last data, before the tar's end is
    // parsed; at once when the archive is small.
    out.push_back({"truncated_gzip_trailer",
                   [big](const fs::path&) {
                       std::string bytes = make_archive(big);
                       return bytes.substr(0, bytes.size() - 4);
                   },
                   "pkg/big",
                   "corrupt or truncated archive: unknown libarchive error",
                   strip(1),
                   {},
                   ErrorKind::verification});
    out.push_back({"truncated_gzip_trailer_small",
                   [](const fs::path&) {
                       std::string bytes = make_archive({{"pkg/", 'd', 0755}, {"pkg/a", 'f', 0644, "a"}});
                       return bytes.substr(0, bytes.size() - 4);
                   },
                   "",
                   "corrupt or truncated archive",
                   strip(1),
                   {},
                   ErrorKind::verification});
    // Damage in the middle: xz checks its data; gzip's CRC is not checked by
    // libarchive, but damaged text breaks the tar that follows it.
    std::string text;
    for (int i = 0; text.size() < (256u << 10); ++i)
        text += fmt::format("line {} of the source\n", i * 7919 % 10007);
    std::vector<TarMember> textual = {{"pkg/", 'd', 0755}, {"pkg/big", 'f', 0644, text}, {"pkg/after", 'f', 0644, "x"}};
    for (auto [label, filter, fragment] : std::vector<std::tuple<std::string, int, std::string>>{
             {"gzip", ARCHIVE_FILTER_GZIP, "after this member: corrupt or truncated archive: Damaged tar archive"},
             {"xz", ARCHIVE_FILTER_XZ, "corrupt or truncated archive: Lzma library error: Corrupted input data"}}) {
        int f = filter;
        out.push_back({"corrupt_" + label,
                       [textual, f](const fs::path&) {
                           std::string bytes = make_archive(textual, Format::gnu, f);
                           for (std::size_t i = bytes.size() / 2; i < bytes.size() / 2 + 16; ++i)
                               bytes[i] = static_cast<char>(~bytes[i]);
                           return bytes;
                       },
                       "pkg/big",
                       fragment,
                       strip(1),
                       {},
                       ErrorKind::verification});
    }
    out.push_back({"not_an_archive",
                   [](const fs::path&) { return std::string("this is not an archive at all\n"); },
                   "",
                   "corrupt or truncated archive",
                   strip(1),
                   {},
                   ErrorKind::verification});
    out.push_back({"empty_file",
                   [](const fs::path&) { return std::string(); },
                   "",
                   "corrupt or truncated archive",
                   strip(1),
                   {},
                   ErrorKind::verification});

    // The unpack rule.
    add("outside_named_directory",
        fixed({{"pkg-1.0/", 'd', 0755}, {"pkg-1.0/a", 'f', 0644, "a"}, {"other/b", 'f', 0644, "b"}}), "other/b",
        "lies outside 'pkg-1.0/', the directory the port's unpack rule names", directory("pkg-1.0"));
    add("file_named_like_directory", fixed({{"pkg-1.0", 'f', 0644, "x"}}), "pkg-1.0",
        "a file named 'pkg-1.0', the directory the unpack rule (directory 'pkg-1.0') strips", directory("pkg-1.0"));
    add("file_above_strip", fixed({{"pkg/", 'd', 0755}, {"README", 'f', 0644, "x"}}), "README",
        "a file the unpack rule (strip 1) leaves nothing of");
    add("symlink_above_strip_2", fixed({{"pkg/", 'd', 0755}, {"pkg/l", 'l', 0777, "", "x"}}), "pkg/l",
        "a symlink the unpack rule (strip 2) leaves nothing of", strip(2));
    add("duplicate_file", fixed({{"pkg/a", 'f', 0644, "1"}, {"pkg/a", 'f', 0644, "2"}}), "pkg/a",
        "unpacks to 'a', where a file of the archive already is");
    add("file_over_directory", fixed({{"pkg/d/x", 'f', 0644, "x"}, {"pkg/d", 'f', 0644, "y"}}), "pkg/d",
        "where a directory of the archive already is");
    add("two_tops_collide", fixed({{"a/f", 'f', 0644, "1"}, {"b/f", 'f', 0644, "2"}}), "b/f",
        "unpacks to 'f', where a file of the archive already is");
    add("control_characters_are_printed_escaped", fixed({{"pkg/\x1b[2J/../x", 'f', 0644, "x"}}), "pkg/\\x1b[2J/../x",
        "'..' component");
    return out;
}

void PrintTo(const Hostile& c, std::ostream* os) {
    *os << c.name;
}

class HostileSource : public ::testing::TestWithParam<Hostile> {};

TEST_P(HostileSource, IsRefusedNamingTheMemberAndNothingOutsideTheDestinationChanges) {
    const Hostile& c = GetParam();
    Scratch s;
    fs::path file = s.archive(c.bytes(s.base));
    std::string before = listing(s.base, s.dest);
    try {
        pkg::unpack_source(file, s.dest, c.rule, c.limits);
        ADD_FAILURE() << c.name << ": accepted";
    } catch (const pkg::SourceArchiveError& e) {
        std::string what = e.what();
        EXPECT_EQ(what.rfind(file.string() + ": ", 0), 0u) << c.name << ": does not name the archive: " << what;
        EXPECT_NE(what.find(c.fragment), std::string::npos) << c.name << ": " << what;
        if (!c.member.empty()) {
            EXPECT_NE(what.find("member '" + c.member + "'"), std::string::npos) << c.name << ": " << what;
        } else if (c.name.find("absolute") == std::string::npos) {
            EXPECT_EQ(what.find("member '"), std::string::npos) << c.name << ": " << what;
        }
        EXPECT_EQ(e.kind(), c.kind) << c.name << ": " << what;
    } catch (const pkg::Error& e) {
        ADD_FAILURE() << c.name << ": not a SourceArchiveError: " << e.what();
    }
    EXPECT_EQ(listing(s.base, s.dest), before) << c.name << ": something outside the destination changed";
}

INSTANTIATE_TEST_SUITE_P(Corpus, HostileSource, ::testing::ValuesIn(corpus()),
                         [](const ::testing::TestParamInfo<Hostile>& info) { return info.param.name; });

// ---- Refusals seen from inside the tree ---------------------------------------

TEST(SourceUnpack, AMemberBelowAPlantedSymlinkNeverReachesTheLinksTarget) {
    Scratch s;
    fs::path file =
        s.archive(make_archive({{"pkg/d/", 'd', 0755}, {"pkg/a", 'l', 0777, "", "d"}, {"pkg/a/x", 'f', 0644, "x"}}));
    EXPECT_THROW(pkg::unpack_source(file, s.dest, strip(1)), pkg::SourceArchiveError);
    EXPECT_TRUE(fs::is_symlink(s.dest / "a"));
    EXPECT_FALSE(fs::exists(s.dest / "d" / "x"));
}

TEST(SourceUnpack, ASymlinkFoundEscapingAtTheEndIsRemoved) {
    Scratch s;
    fs::path file = s.archive(
        make_archive({{"pkg/", 'd', 0755}, {"pkg/y", 'l', 0777, "", "x/x/../.."}, {"pkg/x", 'l', 0777, "", "."}}));
    EXPECT_THROW(pkg::unpack_source(file, s.dest, strip(1)), pkg::SourceArchiveError);
    EXPECT_FALSE(fs::is_symlink(s.dest / "y"));
}

TEST(SourceUnpack, RefusalsLeaveDirectoriesOwnerWritableForTheCallerToRemove) {
    Scratch s;
    fs::path file =
        s.archive(make_archive({{"pkg/ro/", 'd', 0555}, {"pkg/ro/a", 'f', 0644, "a"}, {"pkg/ro/fifo", 'p', 0644}}));
    EXPECT_THROW(pkg::unpack_source(file, s.dest, strip(1)), pkg::SourceArchiveError);
    struct stat st {};
    ASSERT_EQ(lstat((s.dest / "ro").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0700u);
}

// ---- What must unpack ----------------------------------------------------------

const std::vector<TarMember> kTree = {
    {"pkg-1.0/", 'd', 0755},
    {"pkg-1.0/bin/", 'd', 0755},
    {"pkg-1.0/bin/tool", 'f', 0755, "#!/bin/sh\n"},
    {"pkg-1.0/bin/tool-again", 'h', 0755, "", "pkg-1.0/bin/tool"},
    {"pkg-1.0/README", 'f', 0644, "read me\n"},
    {"pkg-1.0/empty", 'f', 0644, ""},
    {"pkg-1.0/doc", 'l', 0777, "", "README"},
};
const char* kTreeListing =
    "README 0644 'read me\n'\n"
    "bin 0755 dir\n"
    "bin/tool 0755 '#!/bin/sh\n' nlink=2\n"
    "bin/tool-again 0755 '#!/bin/sh\n' nlink=2\n"
    "doc 0777 -> README\n"
    "empty 0644 ''\n";

TEST(SourceUnpack, EveryCompressionGivesTheSameTree) {
    for (auto [label, filter] : std::vector<std::pair<std::string, int>>{{"none", ARCHIVE_FILTER_NONE},
                                                                         {"gzip", ARCHIVE_FILTER_GZIP},
                                                                         {"bzip2", ARCHIVE_FILTER_BZIP2},
                                                                         {"xz", ARCHIVE_FILTER_XZ},
                                                                         {"zstd", ARCHIVE_FILTER_ZSTD},
                                                                         {"lzip", ARCHIVE_FILTER_LZIP}}) {
        Scratch s;
        fs::path file = s.archive(make_archive(kTree, Format::gnu, filter), "source." + label);
        pkg::UnpackStats stats = pkg::unpack_source(file, s.dest, strip(1));
        EXPECT_EQ(listing(s.dest), kTreeListing) << label;
        EXPECT_EQ(stats.members, 6u) << label;
        EXPECT_EQ(stats.bytes, 18u) << label;
    }
}

TEST(SourceUnpack, EveryTarFormatGivesTheSameTree) {
    for (auto [label, format] : std::vector<std::pair<std::string, Format>>{
             {"gnu", Format::gnu}, {"pax", Format::pax}, {"ustar", Format::ustar}, {"v7", Format::v7}}) {
        Scratch s;
        fs::path file = s.archive(make_archive(kTree, format, ARCHIVE_FILTER_XZ), "source.tar.xz");
        pkg::unpack_source(file, s.dest, strip(1));
        EXPECT_EQ(listing(s.dest), kTreeListing) << label;
    }
}

TEST(SourceUnpack, ZipUnpacksWithModesAndSymlinks) {
    Scratch s;
    fs::path file = s.archive(make_archive({{"pkg-1.0/", 'd', 0755},
                                            {"pkg-1.0/configure", 'f', 0755, "#!/bin/sh\n"},
                                            {"pkg-1.0/src/", 'd', 0700},
                                            {"pkg-1.0/src/main.c", 'f', 0644, std::string(5000, 'c')},
                                            {"pkg-1.0/link", 'l', 0777, "", "src/main.c"}},
                                           Format::zip, ARCHIVE_FILTER_NONE),
                              "source.zip");
    pkg::unpack_source(file, s.dest, directory("pkg-1.0"));
    EXPECT_EQ(listing(s.dest),
              "configure 0755 '#!/bin/sh\n'\n"
              "link 0777 -> src/main.c\n"
              "src 0700 dir\n"
              "src/main.c 0644 '" +
                  std::string(5000, 'c') + "'\n");
}

TEST(SourceUnpack, StripTwoDropsTwoLevelsAndStripZeroKeepsThem) {
    std::vector<TarMember> members = {{"top/", 'd', 0755},
                                      {"top/sub/", 'd', 0755},
                                      {"top/sub/a", 'f', 0644, "a"},
                                      {"top/sub/d/", 'd', 0755},
                                      {"top/sub/d/b", 'f', 0644, "b"}};
    Scratch two;
    pkg::unpack_source(two.archive(make_archive(members)), two.dest, strip(2));
    EXPECT_EQ(listing(two.dest), "a 0644 'a'\nd 0755 dir\nd/b 0644 'b'\n");
    Scratch zero;
    pkg::unpack_source(zero.archive(make_archive(members)), zero.dest, strip(0));
    EXPECT_EQ(listing(zero.dest),
              "top 0755 dir\ntop/sub 0755 dir\ntop/sub/a 0644 'a'\ntop/sub/d 0755 dir\ntop/sub/d/b "
              "0644 'b'\n");
}

TEST(SourceUnpack, DirectoryRuleStripsTheNamedTop) {
    Scratch s;
    fs::path file = s.archive(make_archive(
        {{"make-4.4/", 'd', 0755}, {"make-4.4/src/", 'd', 0755}, {"make-4.4/src/main.c", 'f', 0644, "int main;"}}));
    pkg::unpack_source(file, s.dest, directory("make-4.4"));
    EXPECT_EQ(listing(s.dest), "src 0755 dir\nsrc/main.c 0644 'int main;'\n");
}

TEST(SourceUnpack, NoneLeavesTheArchivePackedInTheDestination) {
    Scratch s;
    std::string bytes = make_archive(kTree);
    fs::path file = s.archive(bytes, "pkg-1.0.tar.gz");
    UnpackRule none;
    none.mode = UnpackRule::Mode::none;
    pkg::UnpackStats stats = pkg::unpack_source(file, s.dest, none);
    EXPECT_EQ(listing(s.dest), "pkg-1.0.tar.gz 0644 '" + bytes + "'\n");
    EXPECT_EQ(stats.members, 1u);
    EXPECT_EQ(stats.bytes, bytes.size());
}

TEST(SourceUnpack, RelativeSymlinksClimbingSixLevelsInsideTheTreeStayLinks) {
    // As Linux's: arch/arm64/boot/dts/<vendor>/... -> ../../../../include/dt-bindings, six levels
    // at most.
    Scratch s;
    fs::path file = s.archive(make_archive({
        {"linux/include/dt-bindings/", 'd', 0755},
        {"linux/include/dt-bindings/gpio.h", 'f', 0644, "#define GPIO 1\n"},
        {"linux/a/b/c/d/e/f/dt-bindings", 'l', 0777, "", "../../../../../../include/dt-bindings"},
        {"linux/a/b/c/d/e/f/top", 'l', 0777, "", "../../../../../.."},
        {"linux/a/b/c/d/e/f/dot-slash", 'l', 0777, "", "./../.././../../../../include/./dt-bindings/gpio.h"},
        {"linux/a/b/sibling", 'l', 0777, "", "c/d/../d/e"},
        {"linux/dangling", 'l', 0777, "", "not/yet/built"},
    }));
    pkg::unpack_source(file, s.dest, strip(1));
    fs::path link = s.dest / "a/b/c/d/e/f/dt-bindings";
    ASSERT_TRUE(fs::is_symlink(link));
    EXPECT_EQ(fs::read_symlink(link), "../../../../../../include/dt-bindings");
    EXPECT_TRUE(fs::exists(link / "gpio.h"));
    EXPECT_EQ(fs::read_symlink(s.dest / "a/b/c/d/e/f/top"), "../../../../../..");
    EXPECT_TRUE(fs::is_regular_file(s.dest / "a/b/c/d/e/f/dot-slash"));
    EXPECT_EQ(fs::read_symlink(s.dest / "a/b/sibling"), "c/d/../d/e");
    EXPECT_EQ(fs::read_symlink(s.dest / "dangling"), "not/yet/built");
}

TEST(SourceUnpack, AHardLinkInsideTheTreeSharesItsFile) {
    Scratch s;
    fs::path file = s.archive(make_archive({{"pkg/", 'd', 0755},
                                            {"pkg/a/", 'd', 0755},
                                            {"pkg/a/f", 'f', 0640, "data"},
                                            {"pkg/b/", 'd', 0755},
                                            {"pkg/b/g", 'h', 0640, "", "pkg/a/f"}}));
    pkg::UnpackStats stats = pkg::unpack_source(file, s.dest, strip(1));
    struct stat a {
    }, b{};
    ASSERT_EQ(lstat((s.dest / "a/f").c_str(), &a), 0);
    ASSERT_EQ(lstat((s.dest / "b/g").c_str(), &b), 0);
    EXPECT_EQ(a.st_ino, b.st_ino);
    EXPECT_EQ(stats.bytes, 4u);
}

TEST(SourceUnpack, GnuLongNamesAndLinkTargetsUnpack) {
    Scratch s;
    std::string component(150, 'n');
    std::string deep = "pkg/" + component + "/" + component + "/" + component;
    std::string target = "../" + component + "/" + component;
    fs::path file =
        s.archive(make_archive({{deep + "/file", 'f', 0644, "long"},
                                {deep + "/hard", 'h', 0644, "", deep + "/file"},
                                {"pkg/" + component + "/link", 'l', 0777, "", component + "/" + component + "/file"},
                                {"pkg/" + component + "/" + component + "/up", 'l', 0777, "", target}},
                               Format::gnu));
    pkg::unpack_source(file, s.dest, strip(1));
    fs::path rel = fs::path(component) / component / component;
    EXPECT_EQ(listing(s.dest / rel), "file 0644 'long' nlink=2\nhard 0644 'long' nlink=2\n");
    EXPECT_EQ(fs::read_symlink(s.dest / component / "link"), component + "/" + component + "/file");
    EXPECT_EQ(fs::read_symlink(s.dest / component / component / "up"), target);
}

TEST(SourceUnpack, SetuidSetgidStickyAndGroupOrWorldWriteAreCleared) {
    Scratch s;
    fs::path file = s.archive(make_archive({{"pkg/", 'd', 0755},
                                            {"pkg/suid", 'f', 04755, "x"},
                                            {"pkg/sgid", 'f', 02775, "x"},
                                            {"pkg/shared", 'f', 0666, "x"},
                                            {"pkg/readonly", 'f', 0444, "x"},
                                            {"pkg/tmp/", 'd', 01777},
                                            {"pkg/group/", 'd', 02770}}));
    pkg::unpack_source(file, s.dest, strip(1));
    EXPECT_EQ(listing(s.dest),
              "group 0750 dir\nreadonly 0444 'x'\nsgid 0755 'x'\nshared 0644 'x'\nsuid 0755 "
              "'x'\ntmp 0755 dir\n");
}

TEST(SourceUnpack, DirectoriesGetTheirModesLastAndParentsNotListedAreMade) {
    Scratch s;
    fs::path file = s.archive(make_archive({{"pkg/late/x", 'f', 0644, "x"},
                                            {"pkg/late/", 'd', 0750},
                                            {"pkg/implicit/deeper/y", 'f', 0644, "y"},
                                            {"./pkg//dotted/./z", 'f', 0644, "z"}}));
    pkg::unpack_source(file, s.dest, strip(1));
    EXPECT_EQ(listing(s.dest),
              "dotted 0755 dir\ndotted/z 0644 'z'\nimplicit 0755 dir\nimplicit/deeper 0755 dir\n"
              "implicit/deeper/y 0644 'y'\nlate 0750 dir\nlate/x 0644 'x'\n");
}

TEST(SourceUnpack, ModificationTimesAreKeptAndTheFutureBecomesNow) {
    // configure is older than configure.ac's copy in the tree only if the
    // times are the archive's: unpacked in the order given, they would not be.
    Scratch s;
    std::int64_t future = static_cast<std::int64_t>(std::time(nullptr)) + (400ll << 24);
    fs::path file = s.archive(make_archive({{"pkg/", 'd', 0755, "", "", 0, 0, 1700000300},
                                            {"pkg/configure", 'f', 0755, "#!/bin/sh\n", "", 0, 0, 1700000200},
                                            {"pkg/configure.ac", 'f', 0644, "AC_INIT\n", "", 0, 0, 1700000100},
                                            {"pkg/src/", 'd', 0755, "", "", 0, 0, 1700000050},
                                            {"pkg/src/future.c", 'f', 0644, "x", "", 0, 0, future}}));
    std::int64_t before = static_cast<std::int64_t>(std::time(nullptr));
    pkg::unpack_source(file, s.dest, strip(1));
    auto mtime = [&](const char* path) {
        struct stat st {};
        EXPECT_EQ(lstat((s.dest / path).c_str(), &st), 0) << path;
        return static_cast<std::int64_t>(st.st_mtime);
    };
    EXPECT_EQ(mtime("configure"), 1700000200);
    EXPECT_EQ(mtime("configure.ac"), 1700000100);
    EXPECT_EQ(mtime("src"), 1700000050);
    EXPECT_GE(mtime("src/future.c"), before);
    EXPECT_LE(mtime("src/future.c"), static_cast<std::int64_t>(std::time(nullptr)));
}

TEST(SourceUnpack, AnUnprivilegedUserUnpacksAReadOnlyDirectoryWithItsMembers) {
    Scratch s;
    fs::permissions(s.base, fs::perms(0777));
    fs::path file = s.archive(make_archive({{"pkg/", 'd', 0755},
                                            {"pkg/ro/", 'd', 0555},
                                            {"pkg/ro/file", 'f', 0644, "x"},
                                            {"pkg/ro/deeper/", 'd', 0555},
                                            {"pkg/ro/deeper/file", 'f', 0644, "y"}}));
    fs::permissions(file.parent_path(), fs::perms(0755));
    fs::permissions(file, fs::perms(0644));
    // The module is loaded before privileges drop: the build tree may be closed to nobody.
    Scratch warm;
    pkg::unpack_source(warm.archive(make_archive(kTree)), warm.dest, strip(1));
    fs::path dest = s.base / "nobody";
    int status = pkgtest::in_child_as_nobody([&] {
        fs::create_directories(dest);
        pkg::unpack_source(file, dest, strip(1));
        return 0;
    });
    ASSERT_EQ(status, 0);
    EXPECT_EQ(listing(dest), "ro 0555 dir\nro/deeper 0555 dir\nro/deeper/file 0644 'y'\nro/file 0644 'x'\n");
}

TEST(SourceUnpack, GitArchivesGlobalHeaderIsNoMember) {
    Scratch s;
    std::string raw =
        make_archive({{"pkg-1.0/", 'd', 0755}, {"pkg-1.0/a", 'f', 0644, "a"}}, Format::pax, ARCHIVE_FILTER_NONE);
    auto records = pkgtest::split_tar(raw);
    pkgtest::TarRecord global = records[0];
    std::string comment = "52 comment=0123456789abcdef0123456789abcdef01234567\n";
    global.header.replace(0, 100, std::string("pax_global_header") + std::string(100 - 17, '\0'));
    global.header[156] = 'g';
    pkgtest::set_tar_size(global.header, comment.size());
    global.data = comment + std::string(512 - comment.size(), '\0');
    records.insert(records.begin(), global);
    fs::path file = s.archive(compress(pkgtest::join_tar(records), ARCHIVE_FILTER_GZIP));
    pkg::unpack_source(file, s.dest, strip(1));
    EXPECT_EQ(listing(s.dest), "a 0644 'a'\n");
}

TEST(SourceUnpack, Utf8NamesOfAPaxHeaderAreKeptAsBytesInTheCLocale) {
    std::string name = "pkg/caf\xc3\xa9.txt";
    std::string bytes;
    {
        // Written as a UTF-8 locale writes it (no hdrcharset), read in pkg's C locale.
        if (!std::setlocale(LC_ALL, "C.UTF-8")) GTEST_SKIP() << "no C.UTF-8 locale";
        bytes = make_archive({{name, 'f', 0644, "x"}}, Format::pax, ARCHIVE_FILTER_NONE);
        std::setlocale(LC_ALL, "C");
    }
    ASSERT_EQ(bytes.find("hdrcharset"), std::string::npos);
    Scratch s;
    pkg::unpack_source(s.archive(bytes), s.dest, strip(1));
    EXPECT_EQ(listing(s.dest), "caf\xc3\xa9.txt 0644 'x'\n");
}

TEST(SourceUnpack, DefaultLimitsAdmitLinux) {
    // linux-6.x.tar.xz: 138 MB compressed, 83,753 members, 1.3 GiB unpacked,
    // names up to ~150 bytes, 12 levels deep.
    pkg::SourceLimits limits;
    EXPECT_GE(limits.max_members, 83753u);
    EXPECT_GE(limits.max_bytes, 1400ull << 20);
    EXPECT_GE(limits.max_depth, 12u);
    EXPECT_EQ(limits.max_name, 4096u);
}

}  // namespace
