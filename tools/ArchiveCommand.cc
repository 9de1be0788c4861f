// `tandem archive`: the failure archive's command family (ingest, list,
// show, export, rm, prune, summary, diagnose, verify).
#include "tools/Commands.h"

#include <time.h>

#include <cstdio>
#include <cstring>

#include "logstore/Archive.h"
#include "logstore/ArchiveSummary.h"
#include "logstore/ArchiveVerifier.h"
#include "logstore/FailureSignature.h"
#include "tools/ArchiveFormat.h"
#include "tools/Args.h"
#include "tools/BundleDiagnosis.h"
#include "tools/Html.h"
#include "tools/Json.h"

namespace tandem::cli {
namespace {

struct Context {
  std::string name;  // "archive list"
  ParsedArgs args;
  std::string dir;
  bool json = false;
};

struct Subcommand {
  const char* name;
  const char* synopsis;
  const char* summary;
  std::vector<OptionSpec> options;
  int (*run)(Context& c);
};

int64_t nowNs() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

int fail(const Context& c, const std::string& message) {
  std::fprintf(stderr, "tandem %s: %s\n", c.name.c_str(), message.c_str());
  return kExitFailure;
}

void printJson(const JsonWriter& w) { std::printf("%s\n", w.str().c_str()); }

Result<std::unique_ptr<Archive>> openArchive(const Context& c, bool create) { return Archive::open(c.dir, create); }

// One positional argument, the bundle id.
Result<Sha256Digest> oneId(const Context& c, const Archive& a) {
  if (c.args.positional.size() != 1) return makeError("needs exactly one bundle ID");
  return a.resolve(c.args.positional[0]);
}

int runIngest(Context& c) {
  if (c.args.positional.empty()) return usageError(c.name, "needs at least one bundle FILE");
  auto a = openArchive(c, true);
  if (!a) return fail(c, a.error().message);
  int status = kExitOk;
  JsonWriter w;
  w.beginArray();
  for (const std::string& path : c.args.positional) {
    auto r = (*a)->ingest(path, nowNs());
    if (!r) {
      std::fprintf(stderr, "tandem %s: %s\n", c.name.c_str(), r.error().message.c_str());
      // An error about the file is bad input; anything else is the archive's.
      int code = r.error().message.rfind(path, 0) == 0 ? kExitUsage : kExitFailure;
      status = std::max(status, code);
      continue;
    }
    if (c.json) {
      w.beginObject().field("file", path).field("id", shortId(r->id)).field("sha256", toHex(r->id));
      w.field("already_present", r->already_present).field("bundle_bytes", r->bundle_bytes);
      w.field("page_records", r->page_records).field("new_pages", r->new_pages).field("literal_bytes", r->literal_bytes);
      w.endObject();
    } else if (r->already_present) {
      std::printf("%s: already archived as %s\n", path.c_str(), shortId(r->id).c_str());
    } else {
      std::printf("%s: archived as %s (%s; %u page records, %u new; %s kept verbatim)\n", path.c_str(),
                  shortId(r->id).c_str(), formatBytes(r->bundle_bytes).c_str(), r->page_records, r->new_pages,
                  formatBytes(r->literal_bytes).c_str());
    }
  }
  if (c.json) printJson(w.endArray());
  return status;
}

int runList(Context& c) {
  if (!c.args.positional.empty()) return usageError(c.name, "takes no arguments");
  std::optional<uint64_t> since;
  if (auto v = c.args.get("since")) {
    auto d = parseDuration("since", *v);
    if (!d) return usageError(c.name, d.error().message);
    since = *d;
  }
  auto a = openArchive(c, false);
  if (!a) return fail(c, a.error().message);
  auto entries = (*a)->entries();
  if (!entries) return fail(c, entries.error().message);
  const int64_t now = nowNs();
  std::string sig = c.args.get("signature").value_or("");
  JsonWriter w;
  w.beginArray();
  std::string text = listHeader();
  for (const pb::ArchiveEntry& e : *entries) {
    if (since && seenNs(e) < now - static_cast<int64_t>(*since)) continue;
    if (!sig.empty() && entrySignature(e).rfind(sig, 0) != 0) continue;
    if (c.json) {
      w.beginObject();
      entryJson(w, e);
      w.endObject();
    } else {
      text += listLine(e);
    }
  }
  if (c.json) printJson(w.endArray());
  else std::fputs(text.c_str(), stdout);
  return kExitOk;
}

int runShow(Context& c) {
  auto a = openArchive(c, false);
  if (!a) return fail(c, a.error().message);
  auto id = oneId(c, **a);
  if (!id) return usageError(c.name, id.error().message);
  auto e = (*a)->entry(*id);
  if (!e) return fail(c, e.error().message);
  auto reader = (*a)->openBundle(*id);
  if (!reader) return fail(c, reader.error().message);
  if (c.json) {
    JsonWriter w;
    showJson(w, *e, **reader);
    printJson(w);
  } else {
    std::fputs(showText(*e, **reader).c_str(), stdout);
  }
  return kExitOk;
}

int runExport(Context& c) {
  auto out = c.args.get("o") ? c.args.get("o") : c.args.get("output");
  if (!out) return usageError(c.name, "needs -o FILE");
  auto a = openArchive(c, false);
  if (!a) return fail(c, a.error().message);
  auto id = oneId(c, **a);
  if (!id) return usageError(c.name, id.error().message);
  if (auto s = (*a)->exportBundle(*id, *out); !s) return fail(c, s.error().message);
  if (!c.json) std::printf("%s: bundle %s\n", out->c_str(), shortId(*id).c_str());
  else printJson(JsonWriter().beginObject().field("file", *out).field("id", shortId(*id)).endObject());
  return kExitOk;
}

int runRm(Context& c) {
  if (c.args.positional.empty()) return usageError(c.name, "needs at least one bundle ID");
  auto a = openArchive(c, false);
  if (!a) return fail(c, a.error().message);
  for (const std::string& text : c.args.positional) {
    auto id = (*a)->resolve(text);
    if (!id) return usageError(c.name, id.error().message);
    if (auto s = (*a)->remove(*id); !s) return fail(c, s.error().message);
    if (!c.json) std::printf("removed %s\n", shortId(*id).c_str());
  }
  return kExitOk;
}

int runPrune(Context& c) {
  if (!c.args.positional.empty()) return usageError(c.name, "takes no arguments");
  PruneOptions opt;
  opt.now_ns = nowNs();
  if (auto v = c.args.get("keep-days")) {
    auto days = parseUint("keep-days", *v);
    if (!days) return usageError(c.name, days.error().message);
    if (*days > 100000) return usageError(c.name, "--keep-days " + *v + " is too large");
    opt.keep_ns = *days * 86400ull * 1000000000ull;
  }
  if (auto v = c.args.get("max-bytes")) {
    auto bytes = parseSize("max-bytes", *v);
    if (!bytes) return usageError(c.name, bytes.error().message);
    opt.max_bytes = *bytes;
  }
  auto a = openArchive(c, false);
  if (!a) return fail(c, a.error().message);
  auto r = (*a)->prune(opt);
  if (!r) return fail(c, r.error().message);
  if (c.json) {
    JsonWriter w;
    w.beginObject().key("removed").beginArray();
    for (const auto& e : r->removed) w.value(shortId(e.bundle_sha256()));
    w.endArray().field("stored_bytes_before", r->stored_before).field("stored_bytes_after", r->stored_after);
    printJson(w.field("packs_rewritten", r->packs_rewritten).endObject());
    return kExitOk;
  }
  for (const auto& e : r->removed)
    std::printf("removed %s (%s, seen %s)\n", shortId(e.bundle_sha256()).c_str(), entrySignature(e).c_str(),
                formatTime(seenNs(e)).c_str());
  std::printf("%zu bundle(s) removed; stored %s -> %s; %u pack(s) rewritten\n", r->removed.size(),
              formatBytes(r->stored_before).c_str(), formatBytes(r->stored_after).c_str(), r->packs_rewritten);
  return kExitOk;
}

int runSummary(Context& c) {
  if (!c.args.positional.empty()) return usageError(c.name, "takes no arguments");
  auto since = parseDuration("since", c.args.get("since").value_or("24h"));
  if (!since) return usageError(c.name, since.error().message);
  auto a = openArchive(c, false);
  if (!a) return fail(c, a.error().message);
  auto entries = (*a)->entries();
  if (!entries) return fail(c, entries.error().message);
  ArchiveSummary s = summarize(*entries, nowNs(), *since);
  if (auto html = c.args.get("html")) {
    if (Status st = writeHtmlFile(*html, summaryHtml(s)); !st)
      return usageError(c.name, "--html: " + st.error().message);
  }
  if (c.json) {
    JsonWriter w;
    summaryJson(w, s);
    printJson(w);
  } else {
    std::fputs(summaryText(s).c_str(), stdout);
  }
  return kExitOk;
}

// Bundles ingested by hand, or by a tandem that did not diagnose, are
// grouped by the recorder's signature until they are diagnosed.
int runDiagnose(Context& c) {
  auto a = openArchive(c, false);
  if (!a) return fail(c, a.error().message);
  std::vector<Sha256Digest> ids;
  for (const std::string& text : c.args.positional) {
    auto id = (*a)->resolve(text);
    if (!id) return usageError(c.name, id.error().message);
    ids.push_back(*id);
  }
  if (ids.empty()) {
    auto entries = (*a)->entries();
    if (!entries) return fail(c, entries.error().message);
    for (const pb::ArchiveEntry& e : *entries) {
      if (e.has_diagnosis() || e.manifest().failure().kind() == pb::USER_REQUESTED) continue;
      Sha256Digest id;
      std::memcpy(id.data(), e.bundle_sha256().data(), std::min(id.size(), e.bundle_sha256().size()));
      ids.push_back(id);
    }
  }
  int status = kExitOk;
  JsonWriter w;
  w.beginArray();
  for (const Sha256Digest& id : ids) {
    auto d = diagnoseArchived(**a, id, nowNs());
    if (!d) {
      std::fprintf(stderr, "tandem %s: %s: %s\n", c.name.c_str(), shortId(id).c_str(), d.error().message.c_str());
      status = kExitFailure;
      continue;
    }
    if (c.json) {
      w.beginObject().field("id", shortId(id)).field("kind", failureKindName(d->failure().kind()));
      w.field("signature", d->failure().signature()).field("reproduced", d->reproduced());
      w.field("verdict", d->verdict()).endObject();
    } else {
      std::printf("%s  %s  %s\n", shortId(id).c_str(), d->reproduced() ? d->failure().signature().c_str() : "-",
                  d->verdict().c_str());
    }
  }
  if (c.json) printJson(w.endArray());
  return status;
}

int runVerify(Context& c) {
  if (!c.args.positional.empty()) return usageError(c.name, "takes no arguments");
  auto a = openArchive(c, false);
  if (!a) return fail(c, a.error().message);
  auto v = verifyArchive(**a);
  if (!v) return fail(c, v.error().message);
  if (c.json) {
    JsonWriter w;
    w.beginObject().field("ok", v->problems.empty()).field("bundles", v->bundles).field("pages", v->pages);
    w.field("packs", v->packs).key("problems").beginArray();
    for (const auto& p : v->problems) w.value(p);
    printJson(w.endArray().endObject());
  } else {
    for (const auto& p : v->problems) std::fprintf(stderr, "tandem %s: %s\n", c.name.c_str(), p.c_str());
    std::printf("archive %s: %llu bundle(s), %llu page(s) in %llu pack(s): %s\n", c.dir.c_str(),
                static_cast<unsigned long long>(v->bundles), static_cast<unsigned long long>(v->pages),
                static_cast<unsigned long long>(v->packs),
                v->problems.empty() ? "every checksum good" : (std::to_string(v->problems.size()) + " problem(s)").c_str());
  }
  return v->problems.empty() ? kExitOk : kExitFailure;
}

const std::vector<Subcommand>& subcommands() {
  static const std::vector<Subcommand> list = {
      {"ingest", "tandem archive ingest FILE... [--archive DIR] [--json]", "check and store bundles", {}, runIngest},
      {"list", "tandem archive list [--since 24h] [--signature S] [--json]", "list archived failures, oldest first",
       {{"since", true, "only failures seen within this time", "AGE"},
        {"signature", true, "only failures whose signature starts with S", "S"}},
       runList},
      {"show", "tandem archive show ID [--json]", "describe one bundle", {}, runShow},
      {"export", "tandem archive export ID -o FILE", "write a bundle back to a file, byte for byte",
       {{"o", true, "output file", "FILE"}, {"output", true, "output file", "FILE"}}, runExport},
      {"rm", "tandem archive rm ID...", "remove bundles and the pages only they used", {}, runRm},
      {"prune", "tandem archive prune [--keep-days N] [--max-bytes SIZE] [--json]",
       "remove old failures, then the oldest until the archive fits",
       {{"keep-days", true, "remove failures seen more than N days ago", "N"},
        {"max-bytes", true, "then remove the oldest until stored bytes fit", "SIZE"}},
       runPrune},
      {"summary", "tandem archive summary [--since 24h] [--json] [--html FILE]",
       "failures per signature in a time window, with first/last seen and which are new",
       {{"since", true, "the window (default 24h)", "AGE"},
        {"html", true, "also write the summary as an HTML page", "FILE"}},
       runSummary},
      {"diagnose", "tandem archive diagnose [ID...] [--json]",
       "replay and diagnose bundles (default: those not yet diagnosed) to group them by cause", {},
       runDiagnose},
      {"verify", "tandem archive verify [--json]", "check every page, checksum and reference", {}, runVerify},
  };
  return list;
}

std::string familyHelp() {
  std::string s = "usage: tandem archive COMMAND [OPTIONS]\n\n"
                  "Keeps failure bundles, deduplicated, in an archive directory (default: $TANDEM_ARCHIVE,\n"
                  "else $XDG_DATA_HOME/tandem/archive, else ~/.local/share/tandem/archive).\n\ncommands:\n";
  for (const auto& sub : subcommands()) {
    std::string name = sub.name;
    name.resize(10, ' ');
    s += "  " + name + sub.summary + "\n";
  }
  return s + "\nEvery command takes --archive DIR; `tandem archive COMMAND --help` describes its options.\n";
}

}  // namespace

int cmdArchive(const Args& args) {
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::fputs(familyHelp().c_str(), args.empty() ? stderr : stdout);
    return args.empty() ? kExitUsage : kExitOk;
  }
  for (const auto& sub : subcommands()) {
    if (args[0] != sub.name) continue;
    std::vector<OptionSpec> specs = sub.options;
    specs.push_back({"archive", true, "archive directory", "DIR"});
    specs.push_back({"json", false, "print JSON"});
    specs.push_back({"help", false, "show this help"});
    Context c;
    c.name = std::string("archive ") + sub.name;
    auto parsed = parseArgs(Args(args.begin() + 1, args.end()), specs);
    if (!parsed) return usageError(c.name, parsed.error().message);
    c.args = std::move(*parsed);
    if (c.args.has("help")) {
      std::fputs(usageText(sub.synopsis, specs).c_str(), stdout);
      return kExitOk;
    }
    c.dir = c.args.get("archive").value_or(Archive::defaultDirectory());
    c.json = c.args.has("json");
    return sub.run(c);
  }
  return usageError("archive", "unknown command '" + args[0] + "' (try `tandem archive help`)");
}

}  // namespace tandem::cli
