#include "tools/BundleArg.h"

#include <filesystem>

#include "logstore/Archive.h"

namespace tandem::cli {

std::vector<OptionSpec> bundleArgSpecs() {
  return {{"archive", true,
           "failure archive to look ids up in (default $TANDEM_ARCHIVE or "
           "~/.local/share/tandem/archive)",
           "DIR"}};
}

Result<std::unique_ptr<BundleReader>> openBundleArg(const std::string& arg,
                                                    const ParsedArgs& args) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(arg, ec)) return BundleReader::open(arg);
  std::string dir = args.get("archive").value_or(Archive::defaultDirectory());
  auto archive = Archive::open(dir, false);
  if (!archive)
    return makeError("'" + arg + "' is neither a bundle file nor an archived bundle (" +
                     archive.error().message + ")");
  auto id = (*archive)->resolve(arg);
  if (!id) return makeError("'" + arg + "': " + id.error().message);
  std::shared_ptr<Archive> keep = std::move(*archive);
  auto reader = keep->openBundle(*id);
  if (reader) (*reader)->keepAlive(keep);
  return reader;
}

}  // namespace tandem::cli
