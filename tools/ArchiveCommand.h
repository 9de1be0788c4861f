// `tandem archive`: the failure archive's command family (ingest, list,
// show, export, rm, prune, summary, verify).
#pragma once

#include "tools/Commands.h"

namespace tandem::cli {

int runArchiveCommand(const Args& args);

}  // namespace tandem::cli
