// The archive module: tar (pax) + zstd through libarchive.

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <vector>

#include "archive_abi.hpp"
#include "pkg/error.hpp"

namespace pkg::archive {
namespace {

std::string why(struct archive* a) {
    const char* s = archive_error_string(a);
    return s ? s : "unknown libarchive error";
}

class LibarchiveWriter final : public Writer {
public:
    explicit LibarchiveWriter(const std::string& path) : path_(path), a_(archive_write_new()) {
        if (!a_) throw Error("out of memory");
        // hdrcharset=BINARY: names are the staged tree's bytes, never translated
        // through a locale (pkg runs in the C locale).
        if (archive_write_set_format_pax_restricted(a_) != ARCHIVE_OK ||
            archive_write_set_format_option(a_, "pax", "hdrcharset", "BINARY") != ARCHIVE_OK ||
            archive_write_add_filter_zstd(a_) != ARCHIVE_OK ||
            archive_write_set_bytes_in_last_block(a_, 1) != ARCHIVE_OK ||
            archive_write_open_filename(a_, path.c_str()) != ARCHIVE_OK) {
            std::string message = why(a_);
            archive_write_free(a_);
            a_ = nullptr;
            throw Error("cannot write {}: {}", path, message);
        }
    }
    ~LibarchiveWriter() override {
        if (a_) archive_write_free(a_);
    }

    void add(const Header& h, int fd, const std::string& data) override {
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
        if (rc != ARCHIVE_OK) throw Error("cannot write {}: member {}: {}", path_, h.name, why(a_));
        if (h.type != 'f') return;
        std::uint64_t written = 0;
        if (fd < 0) {
            write(data.data(), data.size(), h.name);
            written = data.size();
        } else {
            std::vector<char> buffer(1 << 17);
            for (;;) {
                ssize_t n = ::read(fd, buffer.data(), buffer.size());
                if (n < 0 && errno == EINTR) continue;
                if (n < 0) throw SystemError(errno, "cannot read {}", h.name);
                if (n == 0) break;
                write(buffer.data(), static_cast<size_t>(n), h.name);
                written += static_cast<std::uint64_t>(n);
            }
        }
        if (written != h.size) throw Error("{} changed while it was packaged ({} bytes, then {})", h.name, h.size, written);
    }

    void close() override {
        if (archive_write_close(a_) != ARCHIVE_OK) throw Error("cannot write {}: {}", path_, why(a_));
    }

private:
    void write(const char* data, size_t size, const std::string& member) {
        while (size > 0) {
            la_ssize_t n = archive_write_data(a_, data, size);
            if (n < 0) throw Error("cannot write {}: member {}: {}", path_, member, why(a_));
            data += n;
            size -= static_cast<size_t>(n);
        }
    }

    std::string path_;
    struct archive* a_;
};

class LibarchiveReader final : public Reader {
public:
    explicit LibarchiveReader(std::string name) : name_(std::move(name)), a_(archive_read_new()) {
        if (!a_) throw Error("out of memory");
        archive_read_support_filter_zstd(a_);
        archive_read_support_format_tar(a_);
    }
    ~LibarchiveReader() override { archive_read_free(a_); }

    void open_file(const std::string& path) {
        if (archive_read_open_filename(a_, path.c_str(), 1 << 17) != ARCHIVE_OK) fail();
    }
    void open_memory(const void* data, size_t size) {
        if (archive_read_open_memory(a_, data, size) != ARCHIVE_OK) fail();
    }

    bool next(Header& h) override {
        struct archive_entry* e = nullptr;
        int rc = archive_read_next_header(a_, &e);
        if (rc == ARCHIVE_EOF) return false;
        if (rc != ARCHIVE_OK) fail();  // warnings too: a package is read strictly
        const char* name = archive_entry_pathname(e);
        h.name = name ? name : "";
        h.mode = archive_entry_perm(e) & 07777;
        h.size = archive_entry_size_is_set(e) ? static_cast<std::uint64_t>(archive_entry_size(e)) : 0;
        h.uid = archive_entry_uid(e);
        h.gid = archive_entry_gid(e);
        h.mtime = archive_entry_mtime(e);
        h.link.clear();
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
        la_ssize_t n = archive_read_data(a_, buffer, size);
        if (n < 0) fail();
        return static_cast<size_t>(n);
    }

    bool is_package_format(std::string& what) const override {
        int filters = archive_filter_count(a_);
        if (filters != 2 || archive_filter_code(a_, 0) != ARCHIVE_FILTER_ZSTD) {
            what = fmt::format("not compressed with zstd alone (compression: {})", archive_filter_name(a_, 0));
            return false;
        }
        int format = archive_format(a_);
        if (format != ARCHIVE_FORMAT_TAR_USTAR && format != ARCHIVE_FORMAT_TAR_PAX_INTERCHANGE &&
            format != ARCHIVE_FORMAT_TAR_PAX_RESTRICTED) {
            what = fmt::format("not a pax or ustar tar (format: {})", archive_format_name(a_));
            return false;
        }
        return true;
    }

private:
    [[noreturn]] void fail() const { throw Error("{}: corrupt or truncated package: {}", name_, why(a_)); }

    std::string name_;
    struct archive* a_;
};

std::unique_ptr<Writer> open_writer(const std::string& path) { return std::make_unique<LibarchiveWriter>(path); }

std::unique_ptr<Reader> open_file(const std::string& path) {
    auto r = std::make_unique<LibarchiveReader>(path);
    r->open_file(path);
    return r;
}

std::unique_ptr<Reader> open_memory(const void* data, size_t size, const std::string& name) {
    auto r = std::make_unique<LibarchiveReader>(name);
    r->open_memory(data, size);
    return r;
}

const Module kModule = {kAbi, open_writer, open_file, open_memory};

}  // namespace
}  // namespace pkg::archive

extern "C" __attribute__((visibility("default"))) const pkg::archive::Module* pkg_archive_module_v1() {
    return &pkg::archive::kModule;
}
