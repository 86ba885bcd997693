// pkg fetch against a real HTTP server on 127.0.0.1 (tests/support/
// fetch_server.py): success, parallel downloads, failures that are retried
// and failures that are not, caps, redirects, digests, resume, mirrors, the
// cache and two processes at once. The server's log is the only clock.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "pkg/digest.hpp"
#include "support/fetch_server.hpp"
#include "support/process.hpp"

namespace {
namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const fs::path& path, const std::string& content) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
}

std::string random_bytes(size_t size, unsigned seed) {
    std::mt19937 gen(seed);
    std::string out(size, '\0');
    for (auto& c : out) c = static_cast<char>(gen() & 0xff);
    return out;
}

std::string sha256(const std::string& data) {
    pkg::Hasher h(pkg::DigestAlgorithm::sha256);
    h.update(data);
    return h.finish();
}

struct PortSource {
    std::vector<std::string> urls;
    std::string file;    // saved name; "" for the URL's last component
    std::string digest;  // "" for the digest of the port's content
    long long size = -1;
};

class Fetch : public ::testing::Test {
protected:
    pkgtest::ScratchDir scratch;
    fs::path dir = scratch.path();
    fs::path files = dir / "files";
    fs::path cache = dir / "cache";
    fs::path conf = dir / "pkg.conf";
    std::string content = random_bytes(200000, 1);
    std::unique_ptr<pkgtest::FetchServer> server;

    void SetUp() override {
        write_file(files / "a-1.0.tar.gz", content);
        write_file(files / "other.tar.gz", random_bytes(1000, 2));
        configure("");
    }

    void start_server(const std::string& args = "") {
        server = std::make_unique<pkgtest::FetchServer>(files.string(), args);
    }

    // Timeouts stay generous but where a test is about them (a stall, a
    // trickle): a loaded CI machine must not turn a slow start into a retry.
    void configure(const std::string& extra, int retries = 2, int low_speed_time = 30) {
        write_file(conf, "ports = ports\ncache-dir = cache\njobs = 4\nfetch-connect-timeout = 30\n"
                         "fetch-low-speed-time = " + std::to_string(low_speed_time) +
                             "\nfetch-backoff = 0\nfetch-retries = " + std::to_string(retries) + "\n" + extra);
    }

    void port(const std::string& name, const PortSource& s) {
        nlohmann::ordered_json source = {{"urls", s.urls}};
        if (!s.file.empty()) source["file"] = s.file;
        source["sha256"] = s.digest.empty() ? sha256(content) : s.digest;
        if (s.size >= 0) source["size"] = s.size;
        nlohmann::ordered_json manifest = {{"name", name},       {"version", "1.0"},
                                           {"release", 1},       {"summary", "A test port"},
                                           {"license", "MIT"},   {"sources", {source}},
                                           {"build", {{"style", "make"}}}};
        write_file(dir / "ports" / "core" / name / "port.json", manifest.dump(2));
    }

    pkgtest::ProcessResult fetch(std::vector<std::string> args) {
        args.insert(args.begin(), {"--config", conf.string(), "fetch"});
        return pkgtest::run_pkg(args);
    }

    bool cached_whole() { return read_file(cache / "a-1.0.tar.gz") == content; }
    bool no_part() { return !fs::exists(cache / "a-1.0.tar.gz.part"); }
};

TEST_F(Fetch, DownloadsVerifiesAndCachesThenReusesTheCache) {
    start_server();
    port("a", {{server->url("/files/a-1.0.tar.gz")}});
    auto r = fetch({"a"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(cached_whole());
    EXPECT_TRUE(no_part());
    EXPECT_EQ(r.out, "a " + (cache / "a-1.0.tar.gz").string() + "\n");
    r = fetch({"a"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "a " + (cache / "a-1.0.tar.gz").string() + " (cached)\n");
    // The second run read the cache, not the server: one request in all.
    server->finish();
    EXPECT_EQ(server->statuses("/files/a-1.0.tar.gz"), (std::vector<int>{200}));
    EXPECT_EQ(server->requests(), 1u);
}

TEST_F(Fetch, SeveralPortsInParallel) {
    start_server("--latency 50");
    std::vector<std::string> names;
    for (int i = 0; i < 8; ++i) {
        std::string name = "p" + std::to_string(i);
        std::string data = random_bytes(50000 + i, 10 + i);
        write_file(files / (name + ".tar.gz"), data);
        port(name, {{server->url("/files/" + name + ".tar.gz")}, "", sha256(data)});
        names.push_back(name);
    }
    auto r = fetch(names);
    ASSERT_EQ(r.status, 0) << r.err;
    for (int i = 0; i < 8; ++i) {
        std::string name = "p" + std::to_string(i);
        EXPECT_EQ(read_file(cache / (name + ".tar.gz")), random_bytes(50000 + i, 10 + i));
    }
}

TEST_F(Fetch, NotFoundIsNotRetriedAndExits7NamingTheUrl) {
    start_server();
    std::string url = server->url("/status/404/a-1.0.tar.gz");
    port("a", {{url}, "a-1.0.tar.gz"});
    auto r = fetch({"a"});
    EXPECT_EQ(r.status, 7) << r.err;
    EXPECT_NE(r.err.find(url + ": HTTP 404"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(cache / "a-1.0.tar.gz"));
    server->finish();
    EXPECT_EQ(server->statuses("/status/404/a-1.0.tar.gz"), (std::vector<int>{404}));  // not retried
}

TEST_F(Fetch, ServerErrorsAreRetriedUntilSuccess) {
    start_server();
    port("a", {{server->url("/flaky/2/a-1.0.tar.gz")}, "a-1.0.tar.gz"});
    auto r = fetch({"a"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(cached_whole());
    server->wait_served("/flaky/2/a-1.0.tar.gz", 3);
    EXPECT_EQ(server->statuses("/flaky/2/a-1.0.tar.gz"), (std::vector<int>{200, 503, 503}));
    EXPECT_NE(r.err.find("HTTP 503; trying again"), std::string::npos) << r.err;
}

TEST_F(Fetch, ServerErrorsBeyondTheRetriesFail) {
    start_server();
    port("a", {{server->url("/flaky/9/a-1.0.tar.gz")}, "a-1.0.tar.gz"});
    auto r = fetch({"a"});
    EXPECT_EQ(r.status, 7) << r.err;
    EXPECT_NE(r.err.find("HTTP 503 (after 3 attempts)"), std::string::npos) << r.err;
}

TEST_F(Fetch, ARefusedConnectionIsRetriedThenTheNextUrlTried) {
    start_server();
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    port("a", {{"http://127.0.0.1:1/a-1.0.tar.gz", server->url("/files/a-1.0.tar.gz")}});
    auto r = fetch({"a"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(cached_whole());
    EXPECT_NE(r.err.find("http://127.0.0.1:1/a-1.0.tar.gz: "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("(after 3 attempts)"), std::string::npos) << r.err;
}

TEST_F(Fetch, TruncatedBodyIsResumedWithARangeRequest) {
    start_server();
    std::string path = "/flaky-truncate/1/60000/a-1.0.tar.gz";
    port("a", {{server->url(path)}, "a-1.0.tar.gz"});
    auto r = fetch({"a"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(cached_whole());
    EXPECT_TRUE(no_part());
    server->wait_served(path, 2);
    EXPECT_EQ(server->statuses(path), (std::vector<int>{200, 206}));
}

TEST_F(Fetch, ConnectionResetMidBodyIsRetriedThenReported) {
    start_server();
    port("a", {{server->url("/reset/30000/a-1.0.tar.gz")}, "a-1.0.tar.gz"});
    auto r = fetch({"a"});
    EXPECT_EQ(r.status, 7) << r.err;
    EXPECT_NE(r.err.find("(after 3 attempts)"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(cache / "a-1.0.tar.gz"));
}

TEST_F(Fetch, StalledServerTimesOut) {
    start_server();
    port("a", {{server->url("/stall/1000/a-1.0.tar.gz")}, "a-1.0.tar.gz"});
    configure("", 0, 1);
    auto r = fetch({"a"});
    EXPECT_EQ(r.status, 7) << r.err;
    EXPECT_NE(r.err.find("too slow"), std::string::npos) << r.err;
}

TEST_F(Fetch, TricklingServerTimesOut) {
    start_server();
    port("a", {{server->url("/trickle/a-1.0.tar.gz")}, "a-1.0.tar.gz"});
    configure("", 0, 1);
    auto r = fetch({"a"});
    EXPECT_EQ(r.status, 7) << r.err;
    EXPECT_NE(r.err.find("too slow"), std::string::npos) << r.err;
}

TEST_F(Fetch, EndlessBodyStopsAtTheDeclaredSize) {
    start_server();
    port("a", {{server->url("/endless")}, "a-1.0.tar.gz", "", 200000});
    auto r = fetch({"a"});
    EXPECT_EQ(r.status, 7) << r.err;
    EXPECT_NE(r.err.find("more than the 200000 bytes expected"), std::string::npos) << r.err;
    EXPECT_TRUE(no_part());
}

TEST_F(Fetch, EndlessBodyStopsAtTheConfiguredMaximum) {
    start_server();
    port("a", {{server->url("/endless")}, "a-1.0.tar.gz"});
    configure("fetch-max-size = 1M\n");
    auto r = fetch({"a"});
    EXPECT_EQ(r.status, 7) << r.err;
    EXPECT_NE(r.err.find("more than the 1048576 bytes expected"), std::string::npos) << r.err;
}

TEST_F(Fetch, ALyingContentLengthEndsInADigestMismatch) {
    start_server();
    port("a", {{server->url("/lying-length/a-1.0.tar.gz")}, "a-1.0.tar.gz"});
    auto r = fetch({"a"});
    EXPECT_EQ(r.status, 7) << r.err;
    EXPECT_NE(r.err.find("sha256 mismatch: expected " + sha256(content)), std::string::npos) << r.err;
}

TEST_F(Fetch, RedirectsAreFollowedUpToTen) {
    start_server();
    port("a", {{server->url("/redirect/9/a-1.0.tar.gz")}, "a-1.0.tar.gz"});
    auto r = fetch({"a"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(cached_whole());
}

TEST_F(Fetch, MoreThanTenRedirectsFail) {
    start_server();
    port("a", {{server->url("/redirect/10/a-1.0.tar.gz"), server->url("/loop")}, "a-1.0.tar.gz"});
    auto r = fetch({"a"});
    EXPECT_EQ(r.status, 7) << r.err;
    EXPECT_NE(r.err.find(server->url("/redirect/10/a-1.0.tar.gz") + ": too many redirects"), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find(server->url("/loop") + ": too many redirects"), std::string::npos) << r.err;
}

TEST_F(Fetch, RedirectsToOtherSchemesAreRefused) {
    start_server();
    write_file(dir / "secret", content);  // what a file:// redirect would read
    std::string to_file = server->url("/redirect-to?url=file://" + (dir / "secret").string());
    std::string to_ftp = server->url("/redirect-to?url=ftp://127.0.0.1:1/a-1.0.tar.gz");
    port("a", {{to_file, to_ftp}, "a-1.0.tar.gz"});
    auto r = fetch({"a"});
    EXPECT_EQ(r.status, 7) << r.err;
    EXPECT_NE(r.err.find(to_file + ": "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(to_ftp + ": "), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(cache / "a-1.0.tar.gz"));
}

TEST_F(Fetch, WrongDigestFailsOverToTheNextUrlAndIsReported) {
    start_server();
    std::string bad = server->url("/files/other.tar.gz");
    port("a", {{bad, server->url("/files/a-1.0.tar.gz")}, "a-1.0.tar.gz"});
    auto r = fetch({"a"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(cached_whole());
    EXPECT_NE(r.err.find(bad + ": sha256 mismatch: expected " + sha256(content) + ", got " +
                         sha256(random_bytes(1000, 2))),
              std::string::npos)
        << r.err;
}

TEST_F(Fetch, PartialFileIsResumedAndItsPrefixHashed) {
    start_server();
    write_file(cache / "a-1.0.tar.gz.part", content.substr(0, 120000));
    port("a", {{server->url("/files/a-1.0.tar.gz")}});
    auto r = fetch({"a"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(cached_whole());
    EXPECT_EQ(server->wait_served("/files/a-1.0.tar.gz"), 206);
}

TEST_F(Fetch, APartOfOtherBytesIsCaughtByTheDigestAndFetchedAgain) {
    start_server();
    write_file(cache / "a-1.0.tar.gz.part", std::string(120000, 'x'));
    port("a", {{server->url("/files/a-1.0.tar.gz"), server->url("/files/a-1.0.tar.gz?again")}});
    auto r = fetch({"a"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(cached_whole());
    EXPECT_NE(r.err.find("sha256 mismatch"), std::string::npos) << r.err;
}

TEST_F(Fetch, ServerIgnoringTheRangeIsTakenFromTheStart) {
    start_server();
    write_file(cache / "a-1.0.tar.gz.part", content.substr(0, 120000));
    port("a", {{server->url("/norange/a-1.0.tar.gz")}, "a-1.0.tar.gz"});
    auto r = fetch({"a"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(cached_whole());
    EXPECT_EQ(server->wait_served("/norange/a-1.0.tar.gz"), 200);
}

TEST_F(Fetch, AWholePartAnswered416IsVerifiedAndKept) {
    start_server();
    write_file(cache / "a-1.0.tar.gz.part", content);
    port("a", {{server->url("/files/a-1.0.tar.gz")}});
    auto r = fetch({"a"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(cached_whole());
    EXPECT_EQ(server->wait_served("/files/a-1.0.tar.gz"), 416);
}

TEST_F(Fetch, MirrorsAreTriedFirstThenThePortsUrls) {
    start_server();
    configure("mirrors = " + server->url("/status/404") + " " + server->url("/files") + "\n");
    port("a", {{server->url("/status/500/a-1.0.tar.gz")}});
    auto r = fetch({"a"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(cached_whole());
    EXPECT_EQ(server->wait_served("/status/404/a-1.0.tar.gz"), 404);
    EXPECT_EQ(server->wait_served("/files/a-1.0.tar.gz"), 200);
}

TEST_F(Fetch, MirrorFailingFallsBackToThePortsUrl) {
    start_server();
    configure("mirrors = " + server->url("/status/404") + "\n");
    port("a", {{server->url("/files/a-1.0.tar.gz")}});
    auto r = fetch({"a"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(cached_whole());
}

TEST_F(Fetch, CorruptCachedFileIsReplaced) {
    start_server();
    write_file(cache / "a-1.0.tar.gz", std::string(200000, 'x'));
    port("a", {{server->url("/files/a-1.0.tar.gz")}});
    auto r = fetch({"a"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(cached_whole());
    EXPECT_NE(r.err.find("the cached copy failed verification and was removed"), std::string::npos) << r.err;
}

TEST_F(Fetch, AFifoInTheCacheIsRemovedWithoutBlocking) {
    start_server();
    fs::create_directories(cache);
    ASSERT_EQ(::mkfifo((cache / "a-1.0.tar.gz").c_str(), 0644), 0);
    port("a", {{server->url("/files/a-1.0.tar.gz")}});
    auto r = fetch({"a"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(cached_whole());
    EXPECT_NE(r.err.find("it is a FIFO"), std::string::npos) << r.err;
}

TEST_F(Fetch, TwoProcessesFetchingOneFileDownloadItOnce) {
    start_server("--rate 400000");
    port("a", {{server->url("/files/a-1.0.tar.gz")}});
    std::vector<std::string> args = {pkgtest::pkg_binary(), "--config", conf.string(), "fetch", "a"};
    pid_t first = ::fork();
    if (first == 0) {
        auto r = pkgtest::run_pkg({"--config", conf.string(), "fetch", "a"});
        ::_exit(r.status);
    }
    auto second = pkgtest::run_pkg({"--config", conf.string(), "fetch", "a"});
    int status = 0;
    ASSERT_EQ(::waitpid(first, &status, 0), first);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT_EQ(second.status, 0) << second.err;
    EXPECT_TRUE(cached_whole());
    EXPECT_TRUE(no_part());
    server->finish();
    EXPECT_EQ(server->statuses("/files/a-1.0.tar.gz"), (std::vector<int>{200}));  // downloaded once
}

TEST_F(Fetch, ASourceWithoutAPinnedDigestIsRefused) {
    start_server();
    write_file(dir / "ports" / "core" / "a" / "port.json",
               "{\"name\": \"a\", \"version\": \"1.0\", \"release\": 1, \"summary\": \"A\", \"license\": \"MIT\",\n"
               " \"sources\": [{\"url\": \"" + server->url("/files/a-1.0.tar.gz") + "\"}],\n"
               " \"build\": {\"style\": \"make\"}}\n");
    auto r = fetch({"a"});
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find("port.json:2:14: a source needs a digest: 'sha256' or 'sha512'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("pkg checksum"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(cache / "a-1.0.tar.gz"));
    server->finish();
    EXPECT_EQ(server->requests(), 0u);  // nothing was asked of it
}

TEST_F(Fetch, FileUrlsAreFetched) {
    port("a", {{"file://" + (files / "a-1.0.tar.gz").string()}});
    auto r = fetch({"a"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(cached_whole());
}

TEST_F(Fetch, FileUrlsToAFifoOrADeviceAreRefusedWithoutReading) {
    ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0644), 0);
    port("a", {{"file://" + (dir / "fifo").string(), "file:///dev/zero"}, "a-1.0.tar.gz"});
    auto r = fetch({"a"});
    EXPECT_EQ(r.status, 7) << r.err;
    EXPECT_NE(r.err.find((dir / "fifo").string() + " is a FIFO, not a file"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("/dev/zero is a character device, not a file"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(cache / "a-1.0.tar.gz.part"));
}

TEST_F(Fetch, JsonGivesTheResultAndTypedEvents) {
    start_server();
    port("a", {{server->url("/status/404/a-1.0.tar.gz"), server->url("/files/a-1.0.tar.gz")}});
    auto r = fetch({"--json", "a"});
    ASSERT_EQ(r.status, 0) << r.err;
    auto doc = nlohmann::json::parse(r.out);
    ASSERT_EQ(doc["sources"].size(), 1u);
    EXPECT_EQ(doc["sources"][0]["port"], "a");
    EXPECT_EQ(doc["sources"][0]["sha256"], sha256(content));
    EXPECT_EQ(doc["sources"][0]["size"], 200000);
    EXPECT_EQ(doc["sources"][0]["cached"], false);
    std::vector<std::string> kinds;
    std::istringstream lines(r.err);
    for (std::string line; std::getline(lines, line);) {
        auto event = nlohmann::json::parse(line);
        if (event["event"] == "fetch") kinds.push_back(event["kind"]);
    }
    EXPECT_EQ(kinds, (std::vector<std::string>{"started", "failed-over", "started", "verified"}));
}

}  // namespace
