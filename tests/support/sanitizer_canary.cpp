// Commits undefined behaviour on purpose: in the sanitizer build, UBSan must
// report it and end the process with a failure (SanitizerCanary test).

#include <climits>
#include <cstdio>

int main(int argc, char**) {
    volatile int big = INT_MAX;
    int overflow = big + argc;  // signed overflow: argc >= 1
    std::printf("%d\n", overflow);
    return 0;
}
