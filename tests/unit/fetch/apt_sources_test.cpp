#include <gtest/gtest.h>

#include <string>

#include "pkg/fetch/debian_origin.hpp"
#include "support/process.hpp"

// The host's apt sources as fixtures: an etc/apt directory and a lists
// directory holding the Release files apt would have downloaded, named as
// apt names them. Host names are of the reserved .example domain.
namespace {

std::string in_release(const std::string& origin) {
    return "-----BEGIN PGP SIGNED MESSAGE-----\n"
           "Hash: SHA256\n"
           "\n"
           "Origin: " +
           origin +
           "\n"
           "Label: " +
           origin +
           "\n"
           "Suite: stable\n"
           "SHA256:\n"
           " 0123 100 main/source/Sources.xz\n"
           "-----BEGIN PGP SIGNATURE-----\n"
           "\n"
           "iQIzBAEBCAAdFiEE\n"
           "-----END PGP SIGNATURE-----\n";
}

struct HostFixture {
    pkgtest::ScratchDir dir;
    std::string apt() const { return dir.path() + "/etc/apt"; }
    std::string lists() const { return dir.path() + "/lists"; }
    void file(const std::string& name, const std::string& text) const { dir.write(name, text); }
    std::string derive() const { return pkg::derive_debian_source_list(apt(), lists()); }
};

TEST(AptSources, DerivesDebSrcFromTheHostsDebianEntries) {
    HostFixture host;
    host.file("etc/apt/sources.list",
              "# the archive, judged by its Release file; its deb-src is already there\n"
              "deb http://archive.example/debian bookworm main contrib # a trailing comment\n"
              "deb-src http://archive.example/debian bookworm main contrib\n"
              "\n"
              "   # an indented comment\n"
              "deb [ arch=amd64,i386 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg ] "
              "http://mirror.example/debian sid main\n"
              "deb [signed-by=/usr/share/keyrings/vendor.gpg] https://vendor.example/apt "
              "stable main\n"
              "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
              "http://impostor.example/debian stable main\n"
              "deb http://unknown.example/debian bookworm main\n"
              "deb http://user:secret@private.example:8080/deb~ian/ bookworm main\n"
              "deb [trusted=yes check-valid-until=no] file:/srv/local%20repo ./\n");
    host.file("etc/apt/sources.list.d/debian.sources",
              "Types: deb\n"
              "# a comment inside a stanza, as Debian's installer writes them\n"
              "URIs: http://archive.example/debian\n"
              "Suites: bookworm-updates\n"
              "Components: main\n"
              "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
              "\n"
              "Types: deb deb-src\n"
              "URIs: http://archive.example/debian-security\n"
              "Suites: bookworm-security\n"
              "Components: main non-free-firmware\n"
              "Architectures: amd64\n"
              "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
              "\n"
              "Types: deb\n"
              "URIs: http://archive.example/debian\n"
              "Suites: trixie\n"
              "Components: main\n"
              "Enabled: no\n"
              "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n");
    host.file("etc/apt/sources.list.d/inline-key.sources",
              "Types: deb\n"
              "URIs: http://keyed.example/debian\n"
              "Suites: bookworm\n"
              "Components: main\n"
              "Signed-By:\n"
              " -----BEGIN PGP PUBLIC KEY BLOCK-----\n"
              " .\n"
              " mDMEZ\n"
              " -----END PGP PUBLIC KEY BLOCK-----\n");
    host.file("etc/apt/sources.list.d/vendor.sources",
              "Types: deb\n"
              "URIs: https://other-vendor.example/repo\n"
              "Suites: nodistro\n"
              "Components: main\n"
              "Signed-By: /usr/share/keyrings/other-vendor.gpg\n");
    host.file("etc/apt/sources.list.d/old.list.disabled",
              "deb http://archive.example/debian buster main\n");

    host.file("lists/archive.example_debian_dists_bookworm_InRelease", in_release("Debian"));
    host.file("lists/archive.example_debian-security_dists_bookworm-security_InRelease",
              in_release("Debian"));
    host.file("lists/vendor.example_apt_dists_stable_InRelease", in_release("Vendor"));
    host.file("lists/other-vendor.example_repo_dists_nodistro_InRelease", in_release("Vendor"));
    host.file("lists/impostor.example_debian_dists_stable_InRelease", in_release("Impostor"));
    host.file("lists/keyed.example_debian_dists_bookworm_InRelease", in_release("Debian"));
    // An unsigned Release, named without the credentials, '~' and '_' quoted.
    host.file("lists/private.example:8080_deb%7eian_dists_bookworm_Release",
              "Origin: Debian\nLabel: Debian\n");
    // A flat repository: no dists/, a space in the path.
    host.file("lists/_srv_local%20repo_._Release", "Origin: Debian Backports\n");

    EXPECT_EQ(host.derive(),
              "deb-src http://archive.example/debian bookworm main contrib\n"
              "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
              "http://mirror.example/debian "
              "sid main\n"
              "deb-src http://user:secret@private.example:8080/deb~ian/ bookworm main\n"
              "deb-src [trusted=yes check-valid-until=no] file:/srv/local%20repo ./\n"
              "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
              "http://archive.example/debian "
              "bookworm-updates main\n"
              "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
              "http://archive.example/debian-security bookworm-security main non-free-firmware\n");
}

TEST(AptSources, ReleaseFileDecidesBeforeTheKeyring) {
    HostFixture host;
    host.file("etc/apt/sources.list.d/a.sources",
              "Types: deb\n"
              "URIs: http://one.example/debian http://two.example/debian\n"
              "Suites: bookworm bookworm-updates\n"
              "Components: main\n"
              "Signed-By: /usr/share/keyrings/debian-archive-bookworm-stable.gpg "
              "/etc/apt/keyrings/extra.gpg\n");
    // No Release file for two.example: the keyring decides, and it is Debian's.
    host.file("lists/one.example_debian_dists_bookworm_InRelease", in_release("Debian"));
    host.file("lists/one.example_debian_dists_bookworm-updates_InRelease", in_release("Somebody"));
    const std::string options =
        "[signed-by=/usr/share/keyrings/debian-archive-bookworm-stable.gpg,/etc/apt/keyrings/"
        "extra.gpg] ";
    EXPECT_EQ(host.derive(), "deb-src " + options + "http://one.example/debian bookworm main\n" +
                                 "deb-src " + options +
                                 "http://two.example/debian bookworm main\n" + "deb-src " +
                                 options + "http://two.example/debian bookworm-updates main\n");
}

TEST(AptSources, RemovedKeysAreNotDebiansKeyring) {
    HostFixture host;
    host.file("etc/apt/sources.list",
              "deb [signed-by=/usr/share/keyrings/debian-archive-removed-keys.gpg] "
              "http://old.example/debian "
              "jessie main\n");
    EXPECT_EQ(host.derive(), "");
}

TEST(AptSources, NoSourcesGiveAnEmptyList) {
    HostFixture host;
    EXPECT_EQ(host.derive(), "");
    EXPECT_EQ(pkg::derive_debian_source_list("/nonexistent/etc/apt", "/nonexistent/lists"), "");
}

}  // namespace
