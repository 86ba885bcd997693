// The archive module: tar (pax) + zstd through libarchive.
//
// Reading runs two libarchive readers in a row: the first only undoes zstd
// (format "raw"), the second only parses tar from what the first gives, so
// that pkg counts every uncompressed byte and stops a small package that
// would expand into more than its manifest accounts for (a sparse map, a
// lying header) before libarchive allocates for it.

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
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

class LibarchiveReader final : public Reader {
public:
    explicit LibarchiveReader(std::string name) : name_(std::move(name)) {
        zstd_ = archive_read_new();
        tar_ = archive_read_new();
        if (!zstd_ || !tar_) throw Error("out of memory");
        archive_read_support_filter_zstd(zstd_);
        archive_read_support_format_raw(zstd_);
        archive_read_support_format_tar(tar_);
    }
    ~LibarchiveReader() override {
        archive_read_free(tar_);
        archive_read_free(zstd_);
    }

    void open_fd(int fd) {
        if (archive_read_open_fd(zstd_, fd, 1 << 17) != ARCHIVE_OK) fail(zstd_);
        open_tar();
    }
    void open_memory(const void* data, size_t size) {
        if (archive_read_open_memory(zstd_, data, size) != ARCHIVE_OK) fail(zstd_);
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
        if (rc != ARCHIVE_OK) fail(tar_);  // warnings too: a package is read strictly
        const char* name = archive_entry_pathname(e);
        h.name = name ? name : "";
        h.mode = archive_entry_perm(e) & 07777;
        h.size = archive_entry_size_is_set(e) ? static_cast<std::uint64_t>(archive_entry_size(e)) : 0;
        h.uid = archive_entry_uid(e);
        h.gid = archive_entry_gid(e);
        h.mtime = archive_entry_mtime(e);
        h.link.clear();
        h.forbidden = forbidden(e);
        if (const char* hard = archive_entry_hardlink(e)) {
            h.type = 'h';
            h.link = hard;
        } else {
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
        return true;
    }

    size_t read(void* buffer, size_t size) override {
        la_ssize_t n = archive_read_data(tar_, buffer, size);
        if (n < 0) fail(tar_);
        return static_cast<size_t>(n);
    }

    bool is_package_format(std::string& what) const override {
        if (archive_filter_count(zstd_) != 2 || archive_filter_code(zstd_, 0) != ARCHIVE_FILTER_ZSTD) {
            what = fmt::format("not compressed with zstd alone (compression: {})", archive_filter_name(zstd_, 0));
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
                la_ssize_t extra = archive_read_data(zstd_, &byte, 1);
                if (extra < 0) fail(zstd_);
                if (extra == 0) return;
                throw Error("more uncompressed data than the manifest accounts for");
            }
            auto want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer_.size(), budget_ - consumed_));
            la_ssize_t n = archive_read_data(zstd_, buffer_.data(), want);
            if (n < 0) fail(zstd_);
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
        if (archive_read_next_header(zstd_, &e) != ARCHIVE_OK) fail(zstd_);
    }

    // Feeds the tar reader from the zstd reader, counting every byte.
    static la_ssize_t pump(struct archive* tar, void* self, const void** buffer) {
        auto* r = static_cast<LibarchiveReader*>(self);
        // Never past the budget, not even to read ahead: the tar reader sees
        // an error only when it needs a byte the manifest does not account for.
        if (r->consumed_ >= r->budget_) {
            archive_set_error(tar, EIO, "more uncompressed data than the manifest accounts for");
            return -1;
        }
        auto want = static_cast<std::size_t>(std::min<std::uint64_t>(r->buffer_.size(), r->budget_ - r->consumed_));
        la_ssize_t n = archive_read_data(r->zstd_, r->buffer_.data(), want);
        if (n < 0) {
            archive_set_error(tar, EIO, "%s", archive_error_string(r->zstd_));
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
        if (consumed_ > budget_) throw Error("more uncompressed data than the manifest accounts for");
        if (tap_) tap_(tap_context_, buffer_.data(), n);
    }

    // The caller names the package and the member.
    [[noreturn]] void fail(struct archive* a) const { throw Error("corrupt or truncated package: {}", why(a)); }

    std::string name_;
    struct archive* zstd_ = nullptr;
    struct archive* tar_ = nullptr;
    std::vector<char> buffer_ = std::vector<char>(1 << 16);
    std::uint64_t consumed_ = 0;
    std::uint64_t budget_ = 80ull << 20;  // the manifest's cap and its header, until set_budget
    bool tar_open_ = false;
    void (*tap_)(void*, const char*, std::size_t) = nullptr;
    void* tap_context_ = nullptr;
};

std::unique_ptr<Writer> open_writer(int fd, const std::string& name) {
    return std::make_unique<LibarchiveWriter>(fd, name);
}

std::unique_ptr<Reader> open_fd(int fd, const std::string& name) {
    auto r = std::make_unique<LibarchiveReader>(name);
    r->open_fd(fd);
    return r;
}

std::unique_ptr<Reader> open_memory(const void* data, size_t size, const std::string& name) {
    auto r = std::make_unique<LibarchiveReader>(name);
    r->open_memory(data, size);
    return r;
}

const Module kModule = {kAbi, open_writer, open_fd, open_memory};

}  // namespace
}  // namespace pkg::archive

extern "C" __attribute__((visibility("default"))) const pkg::archive::Module* pkg_archive_module_v1() {
    return &pkg::archive::kModule;
}
