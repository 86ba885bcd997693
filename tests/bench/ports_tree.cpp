// Ports tree benchmark: generates a tree of N ports (default 10,000) with
// layered dependencies, then times, in the same run:
//   baseline   reading every port.json into memory, nothing else
//   load       PortsTree::load: read and check every manifest
//   order      a full build order of every port
//   pkg        the whole `pkg deps --order` command over the 200 top ports
// and prints the figures side by side.
//
//   pkg-bench-ports-tree [N]

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "pkg/port/resolver.hpp"

namespace fs = std::filesystem;

#include "timing.hpp"

namespace {

std::string name_of(int i) { return "p" + std::to_string(i); }

void generate(const fs::path& root, int count) {
    std::mt19937 rng(42);
    for (int i = 0; i < count; ++i) {
        fs::path dir = root / ("cat" + std::to_string(i % 50)) / name_of(i);
        fs::create_directories(dir);
        std::ostringstream deps[3];
        const char* kinds[] = {"host", "build", "run"};
        int n = i == 0 ? 0 : static_cast<int>(rng() % 6);
        bool first[3] = {true, true, true};
        for (int d = 0; d < n; ++d) {
            int kind = static_cast<int>(rng() % 3);
            int target = static_cast<int>(rng() % i);  // only lower indices: no cycles
            if (!first[kind]) deps[kind] << ", ";
            first[kind] = false;
            deps[kind] << '"' << name_of(target) << '"';
        }
        std::ofstream out(dir / "port.json");
        out << "{\n  \"name\": \"" << name_of(i) << "\",\n  \"version\": \"1." << i % 97
            << ".0\",\n  \"release\": 1,\n  \"summary\": \"Generated port " << i
            << "\",\n  \"license\": \"MIT\",\n  \"sources\": [{\"url\": "
               "\"https://example.org/{name}-{version}.tar.gz\", \"sha256\": \""
            << std::string(64, 'a') << "\"}],\n  \"depends\": {";
        bool any = false;
        for (int k = 0; k < 3; ++k) {
            if (first[k]) continue;
            out << (any ? ", " : "") << '"' << kinds[k] << "\": [" << deps[k].str() << ']';
            any = true;
        }
        out << "},\n  \"build\": {\"style\": \"gnu\"}\n}\n";
    }
}

double baseline_read(const fs::path& root) {
    double start = pkgbench::now_ms();
    size_t bytes = 0;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
        if (entry.path().filename() != "port.json") continue;
        std::ifstream in(entry.path(), std::ios::binary);
        std::stringstream s;
        s << in.rdbuf();
        bytes += s.str().size();
    }
    if (bytes == 0) std::abort();
    return pkgbench::now_ms() - start;
}

double run_pkg(const fs::path& root, int count) {
    std::vector<std::string> args = {PKG_BENCH_PKG, "--config", "/dev/null", "--ports", root.string(), "deps", "--order"};
    for (int i = count - 200; i < count; ++i) args.push_back(name_of(i));
    return pkgbench::time_command(args);
}

}  // namespace

int main(int argc, char** argv) {
    int count = argc > 1 ? std::atoi(argv[1]) : 10000;
    fs::path root = fs::temp_directory_path() / ("pkg-bench-ports-" + std::to_string(getpid()));
    generate(root, count);
    baseline_read(root);  // warm the page cache for every measurement alike
    double read = baseline_read(root);
    double start = pkgbench::now_ms();
    pkg::PortsTree tree = pkg::PortsTree::load({root});
    double load = pkgbench::now_ms() - start;
    pkg::Resolver resolver(tree, {});
    std::vector<const pkg::Port*> all;
    for (const auto& name : tree.names()) all.push_back(&tree.get(name));
    start = pkgbench::now_ms();
    auto order = resolver.build_order(all);
    double ordering = pkgbench::now_ms() - start;
    double command = run_pkg(root, count);
    fs::remove_all(root);
    if (order.size() != static_cast<size_t>(count)) {
        std::fprintf(stderr, "order has %zu ports, expected %d\n", order.size(), count);
        return 1;
    }
    std::printf("ports tree of %d generated ports\n", count);
    std::printf("  %-44s %8.1f ms\n", "baseline: read every port.json", read);
    std::printf("  %-44s %8.1f ms  (%.1fx baseline)\n", "load: read and check every manifest", load, load / read);
    std::printf("  %-44s %8.1f ms\n", "order: full build order of every port", ordering);
    std::printf("  %-44s %8.1f ms\n", "pkg deps --order (200 ports), whole process", command);
    return 0;
}
