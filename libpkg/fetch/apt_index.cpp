#include "apt_index.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "deb822.hpp"

namespace pkg {

namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// dpkg's weight of a character in a non-digit run: '~' sorts before the
// end of the string, letters before the other characters.
int order(char c) {
    if (c == '\0' || is_digit(c))
        return 0;
    if (is_alpha(c))
        return c;
    if (c == '~')
        return -1;
    return static_cast<unsigned char>(c) + 256;
}

// dpkg's verrevcmp: alternate runs of non-digits (compared by order) and
// digits (compared as numbers).
int compare_part(std::string_view a, std::string_view b) {
    std::size_t i = 0;
    std::size_t j = 0;
    auto at = [](std::string_view s, std::size_t k) { return k < s.size() ? s[k] : '\0'; };
    while (i < a.size() || j < b.size()) {
        while ((i < a.size() && !is_digit(a[i])) || (j < b.size() && !is_digit(b[j]))) {
            int ac = order(at(a, i));
            int bc = order(at(b, j));
            if (ac != bc)
                return ac - bc;
            ++i;
            ++j;
        }
        while (at(a, i) == '0')
            ++i;
        while (at(b, j) == '0')
            ++j;
        int first_diff = 0;
        while (is_digit(at(a, i)) && is_digit(at(b, j))) {
            if (first_diff == 0)
                first_diff = at(a, i) - at(b, j);
            ++i;
            ++j;
        }
        if (is_digit(at(a, i)))
            return 1;
        if (is_digit(at(b, j)))
            return -1;
        if (first_diff != 0)
            return first_diff;
    }
    return 0;
}

struct DebianVersion {
    unsigned long epoch = 0;
    std::string_view upstream;
    std::string_view revision;
};

DebianVersion split_version(std::string_view v) {
    DebianVersion out;
    if (std::size_t colon = v.find(':'); colon != std::string_view::npos) {
        std::from_chars(v.data(), v.data() + colon, out.epoch);
        v.remove_prefix(colon + 1);
    }
    if (std::size_t dash = v.rfind('-'); dash != std::string_view::npos) {
        out.revision = v.substr(dash + 1);
        v = v.substr(0, dash);
    }
    out.upstream = v;
    return out;
}

// "HASH SIZE NAME" lines, as Files and Checksums-Sha256 list them.
std::vector<DebianOrigin::ListedFile> parse_file_lines(const std::string& value, bool sha256) {
    std::vector<DebianOrigin::ListedFile> files;
    std::size_t start = 0;
    while (start <= value.size()) {
        std::size_t end = value.find('\n', start);
        if (end == std::string::npos)
            end = value.size();
        std::vector<std::string> words =
            split_words(std::string_view(value).substr(start, end - start));
        if (words.size() == 3) {
            DebianOrigin::ListedFile file;
            file.name = words[2];
            std::from_chars(words[1].data(), words[1].data() + words[1].size(), file.size);
            if (sha256)
                file.sha256 = ascii_lower(words[0]);
            files.push_back(std::move(file));
        }
        start = end + 1;
    }
    return files;
}

bool carries(const DebianOrigin::ListedVersion& listed, const std::string& file,
             DigestAlgorithm algorithm, const std::string& digest,
             std::optional<std::uint64_t> size) {
    for (const auto& f : listed.files) {
        if (f.name != file)
            continue;
        if (size && f.size != *size)
            return false;
        // The index carries sha256 only: a sha512 pin is checked by the
        // caller, as is a file no digest is pinned for yet (`pkg checksum`).
        return algorithm != DigestAlgorithm::sha256 || digest.empty() ||
               f.sha256 == ascii_lower(digest);
    }
    return false;
}

// What of the pin the index can check, for messages.
std::string describe_pin(DigestAlgorithm algorithm, const std::string& digest,
                         std::optional<std::uint64_t> size) {
    std::string sized = size ? fmt::format("size {}", *size) : std::string();
    if (algorithm != DigestAlgorithm::sha256 || digest.empty())
        return sized;
    return "sha256 " + digest + (sized.empty() ? "" : " and " + sized);
}

// Why no listed version will do, for the error.
std::string why_none(const std::vector<DebianOrigin::ListedVersion>& listed,
                     const DebianArtifact& artifact, const std::string& pin) {
    for (const auto& v : listed) {
        if (v.version != artifact.version)
            continue;
        for (const auto& f : v.files) {
            if (f.name == artifact.file) {
                return fmt::format(
                    "the index lists {} of it with size {} and sha256 {}, not the "
                    "pinned {}",
                    f.name, f.size, f.sha256, pin);
            }
        }
        return fmt::format("the index lists it without {}", artifact.file);
    }
    std::string versions;
    for (const auto& v : listed)
        versions += (versions.empty() ? "" : ", ") + v.version;
    return fmt::format("it is no longer listed, and no listed version ({}) carries {}{}", versions,
                       artifact.file, pin.empty() ? "" : " with " + pin);
}

}  // namespace

int compare_debian_versions(std::string_view a, std::string_view b) {
    DebianVersion x = split_version(a);
    DebianVersion y = split_version(b);
    if (x.epoch != y.epoch)
        return x.epoch < y.epoch ? -1 : 1;
    if (int c = compare_part(x.upstream, y.upstream); c != 0)
        return c;
    return compare_part(x.revision, y.revision);
}

std::vector<DebianOrigin::ListedVersion> parse_showsrc(std::string_view showsrc,
                                                       const std::string& source) {
    std::vector<DebianOrigin::ListedVersion> versions;
    for (const auto& stanza : parse_deb822(showsrc)) {
        const std::string* package = stanza.find("Package");
        const std::string* version = stanza.find("Version");
        if (!package || *package != source || !version || version->empty())
            continue;
        std::vector<DebianOrigin::ListedFile> files;
        if (const std::string* sums = stanza.find("Checksums-Sha256")) {
            files = parse_file_lines(*sums, true);
        } else if (const std::string* md5 = stanza.find("Files")) {
            files = parse_file_lines(*md5, false);
        }
        auto same = std::find_if(versions.begin(), versions.end(),
                                 [&](const auto& listed) { return listed.version == *version; });
        if (same == versions.end()) {
            versions.push_back({*version, std::move(files)});
            continue;
        }
        for (auto& file : files) {
            bool known = std::any_of(same->files.begin(), same->files.end(),
                                     [&](const auto& f) { return f.name == file.name; });
            if (!known)
                same->files.push_back(std::move(file));
        }
    }
    std::stable_sort(versions.begin(), versions.end(), [](const auto& a, const auto& b) {
        return compare_debian_versions(a.version, b.version) > 0;
    });
    return versions;
}

const DebianOrigin::ListedVersion* choose_listed_version(
    const std::vector<DebianOrigin::ListedVersion>& listed, const DebianArtifact& artifact,
    DigestAlgorithm algorithm, const std::string& digest, std::optional<std::uint64_t> size,
    std::string& why_not) {
    for (const auto& v : listed) {
        if (v.version == artifact.version && carries(v, artifact.file, algorithm, digest, size))
            return &v;
    }
    for (const auto& v : listed) {
        if (carries(v, artifact.file, algorithm, digest, size))
            return &v;
    }
    why_not = why_none(listed, artifact, describe_pin(algorithm, digest, size));
    return nullptr;
}

}  // namespace pkg
