#pragma once

#include <memory>
#include <vector>

#include "pkg/config.hpp"
#include "pkg/events.hpp"
#include "pkg/fetch/debian_origin.hpp"
#include "pkg/fetch/fetcher.hpp"
#include "pkg/port/port.hpp"

namespace pkgmgr {

/// Debian's archive through pkg's own apt state (CACHE/.apt), with the
/// configured source list or one derived from the host's.
std::shared_ptr<pkg::DebianOrigin> debian_origin(const pkg::Config& config, pkg::EventSink& events);

/// The fetcher's settings from the configuration: the cache, jobs,
/// timeouts and caps, and Debian's archive through pkg's own apt state.
pkg::FetchSettings fetch_settings(const pkg::Config& config, pkg::EventSink& events);

/// One request per source of `port`, its artifacts in the order they are tried.
std::vector<pkg::FetchRequest> fetch_requests(const pkg::Port& port, const pkg::Config& config);

}  // namespace pkgmgr
