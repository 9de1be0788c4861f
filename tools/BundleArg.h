// The BUNDLE|ID argument of the commands that read a bundle (replay, and
// the replay tools): a bundle file, or the id (or a unique prefix of at
// least 4 hex digits) of a bundle in the failure archive.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "logstore/BundleReader.h"
#include "tools/Args.h"

namespace tandem::cli {

// --archive DIR.
std::vector<OptionSpec> bundleArgSpecs();

// An existing file is read as a bundle; anything else is looked up in the
// archive (--archive, else the default archive).
Result<std::unique_ptr<BundleReader>> openBundleArg(const std::string& arg,
                                                    const ParsedArgs& args);

}  // namespace tandem::cli
