#include "support/tar_builder.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <cstdio>

#include <stdexcept>

#include "pkg/digest.hpp"

namespace pkgtest {

std::string sha256(const std::string& data) {
    pkg::Hasher h(pkg::DigestAlgorithm::sha256);
    h.update(data);
    return h.finish();
}

namespace {

la_ssize_t write_callback(struct archive*, void* out, const void* buffer, size_t size) {
    static_cast<std::string*>(out)->append(static_cast<const char*>(buffer), size);
    return static_cast<la_ssize_t>(size);
}

}  // namespace

std::string build_tar(const std::vector<TarMember>& members, Compression compression) {
    std::string out;
    struct archive* a = archive_write_new();
    bool any_atime = false;
    for (const TarMember& m : members) any_atime = any_atime || m.atime;
    // Restricted pax leaves access times out; full pax writes them when asked.
    if (any_atime) {
        archive_write_set_format_pax(a);
    } else {
        archive_write_set_format_pax_restricted(a);
    }
    archive_write_set_format_option(a, "pax", "hdrcharset", "BINARY");
    if (compression == Compression::zstd) archive_write_add_filter_zstd(a);
    if (compression == Compression::gzip) archive_write_add_filter_gzip(a);
    archive_write_set_bytes_in_last_block(a, 1);
    if (archive_write_open(a, &out, nullptr, write_callback, nullptr) != ARCHIVE_OK) {
        throw std::runtime_error(archive_error_string(a));
    }
    for (const TarMember& m : members) {
        struct archive_entry* e = archive_entry_new();
        archive_entry_set_pathname(e, m.name.c_str());
        archive_entry_set_uid(e, m.uid);
        archive_entry_set_gid(e, m.gid);
        archive_entry_set_mtime(e, m.mtime, 0);
        archive_entry_set_perm(e, m.mode);
        switch (m.type) {
            case 'd': archive_entry_set_filetype(e, AE_IFDIR); break;
            case 'l': archive_entry_set_filetype(e, AE_IFLNK); archive_entry_set_symlink(e, m.link.c_str()); break;
            case 'h': archive_entry_set_filetype(e, AE_IFREG); archive_entry_set_hardlink(e, m.link.c_str()); break;
            case 'c': archive_entry_set_filetype(e, AE_IFCHR); archive_entry_set_rdev(e, 0x0103); break;
            case 'b': archive_entry_set_filetype(e, AE_IFBLK); archive_entry_set_rdev(e, 0x0800); break;
            case 'p': archive_entry_set_filetype(e, AE_IFIFO); break;
            case 's': archive_entry_set_filetype(e, AE_IFSOCK); break;
            default:
                archive_entry_set_filetype(e, AE_IFREG);
                archive_entry_set_size(e, static_cast<la_int64_t>(m.header_size.value_or(m.data.size())));
        }
        if (!m.xattr_value.empty()) {
            archive_entry_xattr_add_entry(e, "user.x", m.xattr_value.data(), m.xattr_value.size());
        }
        if (!m.uname.empty()) archive_entry_set_uname(e, m.uname.c_str());
        if (m.atime) archive_entry_set_atime(e, 1000, 0);
        if (m.sparse) {
            archive_entry_set_size(e, static_cast<la_int64_t>(m.data.size() + 65536));
            archive_entry_sparse_add_entry(e, 65536, static_cast<la_int64_t>(m.data.size()));
        }
        if (archive_write_header(a, e) != ARCHIVE_OK) {
            std::string why = archive_error_string(a);
            archive_entry_free(e);
            archive_write_free(a);
            throw std::runtime_error("tar builder: " + m.name + ": " + why);
        }
        archive_entry_free(e);
        if (m.type == 'f' && !m.data.empty()) archive_write_data(a, m.data.data(), m.data.size());
    }
    archive_write_close(a);
    archive_write_free(a);
    return out;
}

TestPackage TestPackage::valid() {
    TestPackage p;
    p.manifest.name = "hostile";
    p.manifest.version = "1.0";
    p.manifest.release = "1";
    p.manifest.arch = "x86_64";
    p.manifest.source_date_epoch = 1700000000;
    p.members = {
        {"bin", 'd', 0755},
        {"bin/tool", 'f', 0755, "#!/bin/sh\necho tool\n"},
        {"bin/tool2", 'h', 0755, "", "bin/tool"},
        {"etc", 'd', 0755},
        {"etc/empty", 'f', 0644, ""},
        {"etc/tool.conf", 'f', 0644, "setting = 1\n"},
        {"lib", 'd', 0755},
        {"lib/ld.so", 'l', 0777, "", "/usr/lib/libc.so"},
    };
    p.sync();
    return p;
}

void TestPackage::sync() {
    manifest.entries.clear();
    for (const TarMember& m : members) {
        pkg::PackageEntry e;
        e.path = m.name;
        e.mode = m.mode;
        switch (m.type) {
            case 'd': e.type = pkg::EntryType::dir; break;
            case 'l': e.type = pkg::EntryType::symlink; e.target = m.link; break;
            case 'h': e.type = pkg::EntryType::hardlink; e.target = m.link; break;
            default:
                e.type = pkg::EntryType::file;
                e.size = m.data.size();
                e.sha256 = sha256(m.data);
        }
        e.config = m.name == "etc/tool.conf";
        manifest.entries.push_back(e);
    }
}

std::string TestPackage::bytes() const {
    std::string text = manifest_text ? *manifest_text : manifest.to_json();
    TarMember head{pkg::kManifestName, 'f', 0644, text};
    head.mtime = manifest.source_date_epoch;
    std::vector<TarMember> all;
    if (manifest_first) all.push_back(head);
    all.insert(all.end(), members.begin(), members.end());
    if (!manifest_first) all.push_back(head);
    return build_tar(all, compression);
}

std::vector<TarRecord> split_tar(const std::string& raw) {
    std::vector<TarRecord> out;
    std::size_t at = 0;
    while (at + 512 <= raw.size()) {
        std::string header = raw.substr(at, 512);
        if (header == std::string(512, '\0')) break;
        std::uint64_t size = std::stoull(header.substr(124, 12), nullptr, 8);
        std::uint64_t padded = (size + 511) / 512 * 512;
        out.push_back({header, raw.substr(at + 512, padded)});
        at += 512 + padded;
    }
    out.push_back({"", raw.substr(std::min(at, raw.size()))});
    return out;
}

std::string join_tar(const std::vector<TarRecord>& records) {
    std::string out;
    for (const auto& r : records) out += r.header + r.data;
    return out;
}

void fix_tar_checksum(std::string& header) {
    header.replace(148, 8, 8, ' ');
    unsigned sum = 0;
    for (unsigned char c : header) sum += c;
    char field[8];
    std::snprintf(field, sizeof field, "%06o", sum);
    header.replace(148, 7, std::string(field, 6) + '\0');
}

void set_tar_size(std::string& header, std::uint64_t size) {
    char field[13];
    std::snprintf(field, sizeof field, "%011llo", static_cast<unsigned long long>(size));
    header.replace(124, 12, std::string(field, 11) + '\0');
    fix_tar_checksum(header);
}

std::string zstd_compress(const std::string& raw) {
    std::string out;
    struct archive* a = archive_write_new();
    archive_write_set_format_raw(a);
    archive_write_add_filter_zstd(a);
    archive_write_set_bytes_in_last_block(a, 1);
    if (archive_write_open(a, &out, nullptr, write_callback, nullptr) != ARCHIVE_OK) {
        throw std::runtime_error(archive_error_string(a));
    }
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

}  // namespace pkgtest
