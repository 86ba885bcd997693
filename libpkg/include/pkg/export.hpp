#pragma once

// Symbols of libpkg that its users (the pkg command, modules, tests) may call.
#define PKG_API __attribute__((visibility("default")))
