#pragma once

// The sandbox helper's parts (lib/pkg/sandbox; sandbox_helper.cpp says what
// it does): the job its command line describes, the failure report, and the
// steps each of its processes takes.

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/sched.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

namespace sandbox {

// The default first host id of the range root's sandbox is mapped to; the
// launcher passes sandbox_owner() as --map-base.
constexpr unsigned default_map_base = 0x70000000;
constexpr unsigned map_size = 65536;

enum class Step : int {
    arguments = 1,
    parent,
    pipe,
    clone,
    id_map,
    handshake,
    private_mounts,
    base,
    new_root,
    build_root,
    tmp,
    proc,
    dev,
    bind,
    hosts,
    hostname,
    network,
    pivot,
    read_only,
    command_namespace,
    command_map,
    chdir,
    stdin,
    exec,
    wait,
    kill,
};

struct Bind {
    std::string host;
    std::string inside;
    bool writable = false;
    int tree = -1;  // a detached copy of `host`'s mount tree, made by H (see open_trees)
};

struct Job {
    pid_t parent = 0;
    bool isolate = true;
    bool privileged = false;  // root on the host: map a range, not one id
    unsigned map_base = default_map_base;
    std::string root = "/";
    int root_tree = -1;  // a detached copy of `root`'s mount tree, made by H
    std::vector<Bind> binds;
    std::string directory = "/";
    long timeout = 0;
    std::vector<std::string> environment;
    std::vector<std::string> argv;
};

// ------------------------------------------------------------ sandbox_job.cpp
const char* step_name(Step step);
/// The report descriptor (--report-fd), -1 before it is known.
extern int report_fd;
void write_all(int fd, const std::string& text);
void report(const std::string& line);
/// Says which step failed, on the report and stderr, and exits 100 + step.
[[noreturn]] void fail(Step step, int err, std::string detail);
Job parse(int argc, char** argv);
std::vector<char*> c_strings(const std::vector<std::string>& strings);
void make_pipe(int fds[2]);
/// clone3 without a new stack behaves as fork: the child returns 0.
pid_t clone_process(std::uint64_t flags, int* pidfd);
bool read_byte(int fd);
void write_byte(int fd, Step step);
void write_file(const std::string& path, const std::string& text, Step step);
void write_id_maps(pid_t pid, const std::string& uid_map, const std::string& gid_map, Step step);

// ----------------------------------------------------------- sandbox_root.cpp
/// I: builds the sandbox's root from the job and pivots into it.
void build_root(const Job& job);

// ----------------------------------------------------------- sandbox_init.cpp
/// In the process that runs the command: its own session, its directory,
/// stdin /dev/null, no other descriptor, then exec.
[[noreturn]] void exec_command(const Job& job);
/// I, pid 1 of the sandbox: the root, then the command's process B.
[[noreturn]] void init_main(const Job& job, int status_fd, int go_fd, int parent_pidfd);

}  // namespace sandbox
