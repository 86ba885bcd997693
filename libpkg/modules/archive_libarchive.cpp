// The archive module: tar (pax) + zstd through libarchive, and the source
// archives ports unpack (tar however compressed, zip).
//
// Reading tar runs two libarchive readers in a row: the first only undoes
// the compression (format "raw"), the second only parses tar from what the
// first gives, so that pkg counts every uncompressed byte and stops a small
// package that would expand into more than its manifest accounts for (a
// sparse map, a lying header) before libarchive allocates for it. A source
// tarball is read the same way, with more compressions; a zip is read from
// the file itself (its directory is at its end).

#include <archive.h>
#include <archive_entry.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <vector>

#include "archive_abi.hpp"
#include "pkg/error.hpp"

namespace pkg::archive {
namespace {

// libarchive's message, and the system's reason when a system call failed
// ("Write error" alone does not say that the disk is full).
std::string why(struct archive* a) {
    const char* s = archive_error_string(a);
    std::string text = s ? s : "unknown libarchive error";
    int err = archive_errno(a);
    if (err > 0 && err != EILSEQ && err != EINVAL && err != ENOMEM) {
        char buffer[256];
        std::string reason = strerror_r(err, buffer, sizeof buffer);
        if (text.find(reason) == std::string::npos) text += ": " + reason;
    }
    return text;
}

class LibarchiveWriter final : public Writer {
public:
    LibarchiveWriter(int fd, const std::string& name) : name_(name), a_(archive_write_new()) {
        if (!a_) throw Error("out of memory");
        // hdrcharset=BINARY: names are the staged tree's bytes, never
        // translated through a locale (pkg runs in the C locale).
        if (archive_write_set_format_pax_restricted(a_) != ARCHIVE_OK ||
            archive_write_set_format_option(a_, "pax", "hdrcharset", "BINARY") != ARCHIVE_OK ||
            archive_write_add_filter_zstd(a_) != ARCHIVE_OK ||
            archive_write_set_bytes_in_last_block(a_, 1) != ARCHIVE_OK ||
            archive_write_open_fd(a_, fd) != ARCHIVE_OK) {
            std::string message = why(a_);
            archive_write_free(a_);
            a_ = nullptr;
            throw Error("cannot write {}: {}", name, message);
        }
    }
    ~LibarchiveWriter() override {
        if (a_) archive_write_free(a_);
    }

    void add(const Header& h) override {
        struct archive_entry* e = archive_entry_new();
        archive_entry_set_pathname(e, h.name.c_str());
        archive_entry_set_uid(e, 0);
        archive_entry_set_gid(e, 0);
        archive_entry_set_mtime(e, h.mtime, 0);
        archive_entry_set_perm(e, h.mode & 07777);
        switch (h.type) {
            case 'd': archive_entry_set_filetype(e, AE_IFDIR); break;
            case 'l':
                archive_entry_set_filetype(e, AE_IFLNK);
                archive_entry_set_symlink(e, h.link.c_str());
                break;
            case 'h':
                archive_entry_set_filetype(e, AE_IFREG);
                archive_entry_set_hardlink(e, h.link.c_str());
                break;
            default:
                archive_entry_set_filetype(e, AE_IFREG);
                archive_entry_set_size(e, static_cast<la_int64_t>(h.size));
        }
        int rc = archive_write_header(a_, e);
        archive_entry_free(e);
        if (rc != ARCHIVE_OK) throw Error("cannot write {}: member {}: {}", name_, h.name, why(a_));
        member_ = h.name;
        left_ = h.type == 'f' ? h.size : 0;
    }

    void write(const void* data, std::size_t size) override {
        if (size > left_) throw Error("{} grew while it was packaged", member_);
        const char* p = static_cast<const char*>(data);
        while (size > 0) {
            la_ssize_t n = archive_write_data(a_, p, size);
            if (n <= 0) throw Error("cannot write {}: member {}: {}", name_, member_, why(a_));
            p += n;
            size -= static_cast<std::size_t>(n);
            left_ -= static_cast<std::uint64_t>(n);
        }
    }

    void close() override {
        if (archive_write_close(a_) != ARCHIVE_OK) throw Error("cannot write {}: {}", name_, why(a_));
    }

private:
    std::string name_;
    struct archive* a_;
    std::string member_;
    std::uint64_t left_ = 0;
};

// A header as libpkg sees it; what a package may not carry is the package
// reader's to add.
void fill_header(struct archive_entry* e, Header& h) {
    const char* name = archive_entry_pathname(e);
    h.name = name ? name : "";
    h.mode = archive_entry_perm(e) & 07777;
    h.size = archive_entry_size_is_set(e) ? static_cast<std::uint64_t>(archive_entry_size(e)) : 0;
    h.uid = archive_entry_uid(e);
    h.gid = archive_entry_gid(e);
    h.mtime = archive_entry_mtime(e);
    h.link.clear();
    h.forbidden.clear();
    if (const char* hard = archive_entry_hardlink(e)) {
        h.type = 'h';
        h.link = hard;
        return;
    }
    switch (archive_entry_filetype(e)) {
        case AE_IFREG: h.type = 'f'; break;
        case AE_IFDIR: h.type = 'd'; break;
        case AE_IFLNK: {
            h.type = 'l';
            const char* target = archive_entry_symlink(e);
            h.link = target ? target : "";
            break;
        }
        default: h.type = 'o';
    }
}

// A source's names are bytes. libarchive warns when a UTF-8 name of a pax
// header or a zip cannot be shown in the C locale pkg runs in, and then
// gives the bytes as they are: that warning alone is no reason to refuse.
bool only_a_charset_warning(int rc, struct archive* a) {
    const char* s = archive_error_string(a);
    return rc == ARCHIVE_WARN && s && std::strstr(s, "be converted from");
}

// Sources are tarballs of any compression; packages are zstd alone.
enum class Flavor { package, source };

class LibarchiveReader final : public Reader {
public:
    LibarchiveReader(std::string name, Flavor flavor) : name_(std::move(name)), flavor_(flavor) {
        stream_ = archive_read_new();
        tar_ = archive_read_new();
        if (!stream_ || !tar_) throw Error("out of memory");
        int zstd = archive_read_support_filter_zstd(stream_);
        if (flavor == Flavor::source) {
            // Built in, or refused: libarchive would otherwise run an
            // external program (gzip -d) for a compression it lacks.
            if (zstd != ARCHIVE_OK || archive_read_support_filter_gzip(stream_) != ARCHIVE_OK ||
                archive_read_support_filter_bzip2(stream_) != ARCHIVE_OK ||
                archive_read_support_filter_xz(stream_) != ARCHIVE_OK ||
                archive_read_support_filter_lzip(stream_) != ARCHIVE_OK) {
                throw Error("libarchive lacks a decompressor sources need: {}", why(stream_));
            }
            budget_ = std::numeric_limits<std::uint64_t>::max();  // until libpkg sets one
            over_budget_ = "more uncompressed data than the limits allow";
        }
        archive_read_support_format_raw(stream_);
        archive_read_support_format_tar(tar_);
    }
    ~LibarchiveReader() override {
        archive_read_free(tar_);
        archive_read_free(stream_);
    }

    void open_fd(int fd) {
        if (archive_read_open_fd(stream_, fd, 1 << 17) != ARCHIVE_OK) fail(stream_);
        open_tar();
    }
    void open_memory(const void* data, size_t size) {
        if (archive_read_open_memory(stream_, data, size) != ARCHIVE_OK) fail(stream_);
        open_tar();
    }

    bool next(Header& h) override {
        if (!tar_open_) {
            tar_open_ = true;
            if (archive_read_open(tar_, this, nullptr, pump, nullptr) != ARCHIVE_OK) fail(tar_);
        }
        struct archive_entry* e = nullptr;
        int rc = archive_read_next_header(tar_, &e);
        if (rc == ARCHIVE_EOF) return false;
        // Warnings too: a package is read strictly, a source all but for the charset.
        if (rc != ARCHIVE_OK && !(flavor_ == Flavor::source && only_a_charset_warning(rc, tar_))) fail(tar_);
        fill_header(e, h);
        if (flavor_ == Flavor::package) h.forbidden = forbidden(e);
        return true;
    }

    size_t read(void* buffer, size_t size) override {
        la_ssize_t n = archive_read_data(tar_, buffer, size);
        if (n < 0) fail(tar_);
        return static_cast<size_t>(n);
    }

    bool is_package_format(std::string& what) const override {
        if (archive_filter_count(stream_) != 2 || archive_filter_code(stream_, 0) != ARCHIVE_FILTER_ZSTD) {
            what = fmt::format("not compressed with zstd alone (compression: {})", archive_filter_name(stream_, 0));
            return false;
        }
        int format = archive_format(tar_);
        if (format != ARCHIVE_FORMAT_TAR_USTAR && format != ARCHIVE_FORMAT_TAR_PAX_INTERCHANGE &&
            format != ARCHIVE_FORMAT_TAR_PAX_RESTRICTED) {
            what = fmt::format("not a pax or ustar tar member (format: {})", archive_format_name(tar_));
            return false;
        }
        return true;
    }

    void set_budget(std::uint64_t bytes) override { budget_ = consumed_ + bytes; }

    void set_tap(void (*tap)(void*, const char*, std::size_t), void* context) override {
        tap_ = tap;
        tap_context_ = context;
    }

    void drain() override {
        for (;;) {
            if (consumed_ >= budget_) {
                // At the budget: one more byte, if there is one, is too many.
                char byte;
                la_ssize_t extra = archive_read_data(stream_, &byte, 1);
                if (extra < 0) fail(stream_);
                if (extra == 0) return;
                throw Error("{}", over_budget_);
            }
            auto want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer_.size(), budget_ - consumed_));
            la_ssize_t n = archive_read_data(stream_, buffer_.data(), want);
            if (n < 0) fail(stream_);
            if (n == 0) return;
            account(static_cast<std::size_t>(n));
        }
    }

private:
    static std::string forbidden(struct archive_entry* e) {
        if (archive_entry_sparse_count(e) > 0) return "a sparse map";
        if (archive_entry_xattr_count(e) > 0) return "extended attributes";
        if (archive_entry_acl_count(e, ARCHIVE_ENTRY_ACL_TYPE_ACCESS | ARCHIVE_ENTRY_ACL_TYPE_DEFAULT |
                                           ARCHIVE_ENTRY_ACL_TYPE_NFS4) > 0) {
            return "ACLs";
        }
        unsigned long set = 0, clear = 0;
        archive_entry_fflags(e, &set, &clear);
        if (set != 0 || clear != 0) return "file flags";
        const char* uname = archive_entry_uname(e);
        const char* gname = archive_entry_gname(e);
        if ((uname && *uname) || (gname && *gname)) return "owner or group names";
        if (archive_entry_atime_is_set(e) || archive_entry_ctime_is_set(e) || archive_entry_birthtime_is_set(e)) {
            return "access, change or birth times";
        }
        return "";
    }

    // The tar reader is opened at the first next(): opening reads ahead,
    // and every byte must pass the tap, which is set after this returns.
    void open_tar() {
        struct archive_entry* e = nullptr;
        if (archive_read_next_header(stream_, &e) != ARCHIVE_OK) fail(stream_);
    }

    // Feeds the tar reader from the decompressing reader, counting every byte.
    static la_ssize_t pump(struct archive* tar, void* self, const void** buffer) {
        auto* r = static_cast<LibarchiveReader*>(self);
        // Never past the budget, not even to read ahead: the tar reader sees
        // an error only when it needs a byte the manifest does not account for.
        if (r->consumed_ >= r->budget_) {
            archive_set_error(tar, EIO, "%s", r->over_budget_);
            return -1;
        }
        auto want = static_cast<std::size_t>(std::min<std::uint64_t>(r->buffer_.size(), r->budget_ - r->consumed_));
        la_ssize_t n = archive_read_data(r->stream_, r->buffer_.data(), want);
        if (n < 0) {
            archive_set_error(tar, EIO, "%s", why(r->stream_).c_str());
            return -1;
        }
        try {
            r->account(static_cast<std::size_t>(n));
        } catch (const Error& e) {
            archive_set_error(tar, EIO, "%s", e.what());
            return -1;
        }
        *buffer = r->buffer_.data();
        return n;
    }

    // Counts bytes against the budget and hands them to the tap.
    void account(std::size_t n) {
        consumed_ += n;
        if (consumed_ > budget_) throw Error("{}", over_budget_);
        if (tap_) tap_(tap_context_, buffer_.data(), n);
    }

    // The caller names the package or archive, and the member.
    [[noreturn]] void fail(struct archive* a) const {
        throw Error("corrupt or truncated {}: {}", flavor_ == Flavor::package ? "package" : "archive", why(a));
    }

    std::string name_;
    Flavor flavor_;
    struct archive* stream_ = nullptr;
    struct archive* tar_ = nullptr;
    std::vector<char> buffer_ = std::vector<char>(1 << 16);
    std::uint64_t consumed_ = 0;
    std::uint64_t budget_ = 80ull << 20;  // the manifest's cap and its header, until set_budget
    const char* over_budget_ = "more uncompressed data than the manifest accounts for";
    bool tar_open_ = false;
    void (*tap_)(void*, const char*, std::size_t) = nullptr;
    void* tap_context_ = nullptr;
};

std::unique_ptr<Writer> open_writer(int fd, const std::string& name) {
    return std::make_unique<LibarchiveWriter>(fd, name);
}

std::unique_ptr<Reader> open_fd(int fd, const std::string& name) {
    auto r = std::make_unique<LibarchiveReader>(name, Flavor::package);
    r->open_fd(fd);
    return r;
}

std::unique_ptr<Reader> open_memory(const void* data, size_t size, const std::string& name) {
    auto r = std::make_unique<LibarchiveReader>(name, Flavor::package);
    r->open_memory(data, size);
    return r;
}

// A zip keeps its directory at its end, so it is read from the file with
// seeks; each member's compression is its own, and libarchive checks each
// member's CRC as its data is read to the end.
class ZipReader final : public Reader {
public:
    explicit ZipReader(int fd) : a_(archive_read_new()) {
        if (!a_) throw Error("out of memory");
        archive_read_support_format_zip_seekable(a_);
        if (archive_read_open_fd(a_, fd, 1 << 17) != ARCHIVE_OK) fail();
    }
    ~ZipReader() override { archive_read_free(a_); }

    bool next(Header& h) override {
        struct archive_entry* e = nullptr;
        int rc = archive_read_next_header(a_, &e);
        if (rc == ARCHIVE_EOF) return false;
        if (rc != ARCHIVE_OK && !only_a_charset_warning(rc, a_)) fail();
        fill_header(e, h);
        return true;
    }

    size_t read(void* buffer, size_t size) override {
        la_ssize_t n = archive_read_data(a_, buffer, size);
        if (n < 0) fail();
        consumed_ += static_cast<std::uint64_t>(n);
        if (consumed_ > budget_) throw Error("more data than the budget allows");
        return static_cast<size_t>(n);
    }

    bool is_package_format(std::string& what) const override {
        what = "a zip archive";
        return false;
    }
    void set_budget(std::uint64_t bytes) override { budget_ = consumed_ + bytes; }
    void set_tap(void (*)(void*, const char*, std::size_t), void*) override {
        throw Error("a zip archive has no tar stream to tap");
    }
    void drain() override {}

private:
    [[noreturn]] void fail() const { throw Error("corrupt or truncated archive: {}", why(a_)); }

    struct archive* a_;
    std::uint64_t consumed_ = 0;
    std::uint64_t budget_ = std::numeric_limits<std::uint64_t>::max();
};

std::unique_ptr<Reader> open_source(int fd, const std::string& name) {
    // A zip by its first bytes (a member, or the end of an empty one): it
    // is never compressed as a whole.
    unsigned char magic[4] = {};
    ssize_t n = ::pread(fd, magic, sizeof magic, 0);
    if (n < 0) throw Error("cannot read {}: {}", name, std::strerror(errno));
    if (n == 4 && magic[0] == 'P' && magic[1] == 'K' &&
        ((magic[2] == 3 && magic[3] == 4) || (magic[2] == 5 && magic[3] == 6))) {
        return std::make_unique<ZipReader>(fd);
    }
    auto r = std::make_unique<LibarchiveReader>(name, Flavor::source);
    r->open_fd(fd);
    return r;
}

const Module kModule = {kAbi, open_writer, open_fd, open_memory, open_source};

}  // namespace
}  // namespace pkg::archive

extern "C" __attribute__((visibility("default"))) const pkg::archive::Module* pkg_archive_module_v1() {
    return &pkg::archive::kModule;
}
