// libFuzzer target: pkg.conf. The input is written to a memory file and
// loaded as the configuration file; every input must load or be refused
// with a pkg::Error. Anything else is a finding.

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "pkg/config.hpp"
#include "pkg/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    int fd = memfd_create("pkg.conf", MFD_CLOEXEC);
    if (fd < 0) return 0;
    for (std::size_t done = 0; done < size;) {
        ssize_t n = write(fd, data + done, size - done);
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
    }
    pkg::ConfigSources sources;
    sources.config_file = "/proc/self/fd/" + std::to_string(fd);
    sources.working_directory = "/fuzz";
    try {
        pkg::Config config = pkg::load_config(sources);
        (void)pkg::config_value(config, "ports");
    } catch (const pkg::Error&) {
        // A refusal: the expected outcome for most inputs.
    }
    close(fd);
    return 0;
}
