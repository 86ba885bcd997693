// Start-up benchmark: how long a whole `pkg --version` or a query takes,
// beside a do-nothing C program, in the same run. Each command is started
// RUNS times with posix_spawn; the median and the 90th percentile are printed.
//
//   pkg-bench-startup [RUNS]

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

extern char** environ;

namespace {

double now_ms() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct Figures {
    double median;
    double p90;
};

Figures measure(std::vector<std::string> argv, int runs) {
    std::vector<char*> cargv;
    for (auto& s : argv) cargv.push_back(s.data());
    cargv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    std::vector<double> times;
    for (int i = 0; i < runs + 5; ++i) {
        double start = now_ms();
        pid_t pid;
        if (posix_spawn(&pid, cargv[0], &actions, nullptr, cargv.data(), environ) != 0) {
            std::perror(cargv[0]);
            std::exit(1);
        }
        int status;
        waitpid(pid, &status, 0);
        double elapsed = now_ms() - start;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            std::fprintf(stderr, "%s failed\n", cargv[0]);
            std::exit(1);
        }
        if (i >= 5) times.push_back(elapsed);  // the first runs warm the caches
    }
    posix_spawn_file_actions_destroy(&actions);
    std::sort(times.begin(), times.end());
    return {times[times.size() / 2], times[times.size() * 9 / 10]};
}

}  // namespace

int main(int argc, char** argv) {
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
