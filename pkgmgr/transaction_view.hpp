#pragma once

// What install and remove share: the plan shown (--dry-run, or before the
// question), the question, and the result as JSON.

#include <nlohmann/json.hpp>
#include <string_view>

#include "context.hpp"
#include "pkg/transaction/transaction.hpp"

namespace pkgmgr {

/// Fills what every transaction request carries: the command line, the
/// user, assume-installed for the host.
void prepare_request(Context& context, pkg::TransactionRequest& request, const std::string& command);

/// Runs the transaction: prints the plan, with --dry-run stops there,
/// otherwise asks (yes by default; -y answers) and carries it out. A plan
/// with no change prints `when_empty` (if any) and succeeds.
int run_and_report(Context& context, const pkg::TransactionRequest& request, bool dry_run,
                   std::string_view when_empty = {});

}  // namespace pkgmgr
