// Start-up benchmark: how long a whole `pkg --version` or a query takes,
// beside a do-nothing C program, in the same run. Each command is started
// RUNS times with posix_spawn; the median and the 90th percentile are printed.
//
//   pkg-bench-startup [RUNS]
//   pkg-bench-startup --time RUNS COMMAND [ARG...]
//
// The second form prints one figure, the median in milliseconds of RUNS
// runs of COMMAND (an absolute path), for other benchmarks' scripts: a
// shell's own clock would add a fork and an exec of date to every run.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "timing.hpp"

namespace {

struct Figures {
    double median;
    double p90;
};

Figures measure(const std::vector<std::string>& argv, int runs) {
    std::vector<double> times;
    for (int i = 0; i < runs + 5; ++i) {
        double elapsed = pkgbench::time_command(argv);
        if (i >= 5) times.push_back(elapsed);  // the first runs warm the caches
    }
    std::sort(times.begin(), times.end());
    return {times[times.size() / 2], times[times.size() * 9 / 10]};
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 3 && std::string(argv[1]) == "--time") {
        int runs = std::max(std::atoi(argv[2]), 1);
        std::printf("%.2f\n", measure(std::vector<std::string>(argv + 3, argv + argc), runs).median);
        return 0;
    }
    int runs = argc > 1 ? std::atoi(argv[1]) : 200;
    struct Row {
        const char* name;
        std::vector<std::string> argv;
    };
    std::vector<Row> rows = {
        {"do-nothing C program", {PKG_BENCH_NOOP}},
        {"pkg --version", {PKG_BENCH_PKG, "--version"}},
        {"pkg vercmp 1.0 1.1", {PKG_BENCH_PKG, "vercmp", "1.0", "1.1"}},
        {"pkg config", {PKG_BENCH_PKG, "config"}},
    };
    std::printf("start-up time, %d runs each (median, 90th percentile)\n", runs);
    double base = 0;
    for (auto& row : rows) {
        Figures f = measure(row.argv, runs);
        if (base == 0) base = f.median;
        std::printf("  %-24s %7.3f ms  %7.3f ms  %5.2fx\n", row.name, f.median, f.p90, f.median / base);
    }
    return 0;
}
