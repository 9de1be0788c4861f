#include "tools/ArchiveFormat.h"

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "logstore/Archive.h"
#include "logstore/FailureSignature.h"
#include "tools/Html.h"

namespace tandem::cli {
namespace {

std::string oneLine(const std::string& s, size_t max = 72) {
  std::string line = s.substr(0, s.find('\n'));
  if (line.size() > max) line = line.substr(0, max - 3) + "...";
  for (char& c : line)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  return line;
}

std::string digestHex(const pb::Digest& d) {
  if (d.algorithm() == pb::Digest::ALGORITHM_UNSPECIFIED) return "";
  return toHex({reinterpret_cast<const uint8_t*>(d.value().data()), d.value().size()});
}

const char* clockName(pb::ClockMode m) {
  return m == pb::CLOCK_VIRTUAL ? "virtual" : m == pb::CLOCK_HOST ? "host" : "unknown";
}

std::string lastLines(const std::string& text, size_t n) {
  size_t end = text.size();
  while (end > 0 && text[end - 1] == '\n') --end;
  size_t start = end;
  for (size_t lines = 0; start > 0 && lines < n; --start)
    if (text[start - 1] == '\n' && ++lines == n) break;
  return text.substr(start, end - start);
}

std::string padRight(std::string s, size_t width) {
  if (s.size() < width) s.resize(width, ' ');
  return s;
}

}  // namespace

std::string formatTime(int64_t ns) {
  if (ns == 0) return "-";
  time_t secs = static_cast<time_t>(ns / 1000000000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string formatBytes(uint64_t bytes) {
  char buf[32];
  if (bytes < 1024) std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  else if (bytes < (1u << 20)) std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(bytes) / 1024);
  else if (bytes < (1ull << 30)) std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  else std::snprintf(buf, sizeof buf, "%.2f GiB", static_cast<double>(bytes) / (1 << 30));
  return buf;
}

std::string listHeader() {
  return padRight("ID", 12) + "  " + padRight("SEEN", 20) + "  " + padRight("KIND", 16) + "  " +
         padRight("SIGNATURE", 29) + "       SIZE  MESSAGE\n";
}

std::string listLine(const pb::ArchiveEntry& e) {
  const pb::FailureRecord& f = entryFailure(e);
  char size[16];
  std::snprintf(size, sizeof size, "%10s", formatBytes(e.bundle_bytes()).c_str());
  return shortId(e.bundle_sha256()) + "  " + padRight(formatTime(seenNs(e)), 20) + "  " +
         padRight(failureKindName(f.kind()), 16) + "  " + padRight(entrySignature(e), 29) + " " + size + "  " +
         oneLine(f.message()) + "\n";
}

void entryJson(JsonWriter& w, const pb::ArchiveEntry& e) {
  const pb::FailureRecord& f = entryFailure(e);
  w.field("id", shortId(e.bundle_sha256()));
  w.field("sha256", toHex({reinterpret_cast<const uint8_t*>(e.bundle_sha256().data()), e.bundle_sha256().size()}));
  w.field("seen", formatTime(seenNs(e))).field("seen_ns", seenNs(e));
  w.field("ingested", formatTime(e.ingested_ns())).field("ingested_ns", e.ingested_ns());
  w.field("kind", failureKindName(f.kind())).field("signature", entrySignature(e));
  w.field("message", f.message()).field("failure_icount", f.icount());
  w.field("diagnosed", e.has_diagnosis()).field("reproduced", e.has_diagnosis() && e.diagnosis().reproduced());
  w.field("bundle_bytes", e.bundle_bytes()).field("source", e.source_path());
  w.field("snapshots", e.snapshots()).field("events", e.events());
  w.field("first_icount", e.first_icount()).field("last_icount", e.last_icount());
}

std::string showText(const pb::ArchiveEntry& e, const BundleReader& reader) {
  const pb::BundleManifest& m = e.manifest();
  const pb::FailureRecord& f = m.failure();
  const pb::GuestDescription& g = m.guest();
  std::string s = "bundle " + shortId(e.bundle_sha256()) + " (sha256 " +
                  toHex({reinterpret_cast<const uint8_t*>(e.bundle_sha256().data()), 32}) + ")\n";
  auto row = [&](const char* label, const std::string& value) { s += "  " + padRight(label, 14) + value + "\n"; };
  row("file", formatBytes(e.bundle_bytes()) + " from " + e.source_path() + ", ingested " + formatTime(e.ingested_ns()));
  row("failure", failureKindName(f.kind()) + " at icount " + std::to_string(f.icount()) + ", seen " + formatTime(seenNs(e)));
  if (e.has_diagnosis())
    row("diagnosed", formatTime(e.diagnosis().diagnosed_ns()) + ": " + oneLine(e.diagnosis().verdict(), 200));
  const pb::FailureRecord& refined = entryFailure(e);
  if (refined.kind() != f.kind()) row("diagnosis", failureKindName(refined.kind()));
  row("signature", entrySignature(e));
  if (!refined.message().empty()) row("message", oneLine(refined.message(), 200));
  for (int i = 0; i < refined.stack_top_size(); ++i) row(i == 0 ? "stack" : "", refined.stack_top(i));
  if (!f.detail().empty()) row("detail", oneLine(f.detail(), 200));
  row("guest", (g.kernel_name().empty() ? std::string("kernel") : g.kernel_name()) + " sha256 " +
                   digestHex(g.kernel()).substr(0, 16) +
                   (digestHex(g.initrd()).empty() ? "" : ", initrd sha256 " + digestHex(g.initrd()).substr(0, 16)) +
                   ", " + formatBytes(g.memory_bytes()) + ", clock " + clockName(g.clock_mode()));
  row("command line", g.command_line());
  row("recorded by", "tandem " + m.tandem_version() + (m.host_name().empty() ? "" : " on " + m.host_name()) +
                         " at " + formatTime(m.created_ns()) + ", format " + std::to_string(reader.header().major) +
                         "." + std::to_string(reader.header().minor));
  std::string snaps;
  for (uint32_t i = 0; i < reader.snapshotCount(); ++i) {
    const auto& sec = reader.index().sections(static_cast<int>(reader.snapshotSection(i)));
    snaps += (i ? ", " : "") + std::string("icount ") + std::to_string(sec.snapshot_icount());
  }
  row("snapshots", std::to_string(reader.snapshotCount()) + (snaps.empty() ? "" : " (" + snaps + ")"));
  row("events", std::to_string(e.events()) +
                    (e.events() ? ", icounts " + std::to_string(e.first_icount()) + ".." + std::to_string(e.last_icount()) : ""));
  row("pages", std::to_string(e.page_records()) + " records in the page store (" + std::to_string(e.new_pages()) +
                   " new when ingested), " + formatBytes(e.literal_bytes()) + " kept verbatim");
  std::map<std::string, int> types;
  for (const auto& sec : reader.index().sections()) ++types[sectionTypeName(static_cast<uint16_t>(sec.type()))];
  std::string t;
  for (const auto& [name, n] : types) t += (t.empty() ? "" : ", ") + std::to_string(n) + " " + name;
  row("sections", t);
  if (!f.console_tail().empty()) {
    s += "  console tail\n";
    std::string tail = lastLines(f.console_tail(), 20);
    for (size_t pos = 0; pos <= tail.size();) {
      size_t nl = tail.find('\n', pos);
      if (nl == std::string::npos) nl = tail.size();
      s += "    " + tail.substr(pos, nl - pos) + "\n";
      pos = nl + 1;
    }
  }
  return s;
}

void showJson(JsonWriter& w, const pb::ArchiveEntry& e, const BundleReader& reader) {
  const pb::BundleManifest& m = e.manifest();
  const pb::FailureRecord& f = m.failure();
  const pb::GuestDescription& g = m.guest();
  w.beginObject();
  entryJson(w, e);
  w.field("page_records", e.page_records()).field("new_pages", e.new_pages()).field("literal_bytes", e.literal_bytes());
  w.key("stack_top").beginArray();
  for (const auto& frame : entryFailure(e).stack_top()) w.value(frame);
  w.endArray();
  w.field("recorded_kind", failureKindName(f.kind())).field("recorded_signature", f.signature());
  if (e.has_diagnosis()) w.field("verdict", e.diagnosis().verdict());
  w.field("detail", f.detail()).field("console_tail", f.console_tail());
  w.key("guest").beginObject();
  w.field("kernel_name", g.kernel_name()).field("kernel_sha256", digestHex(g.kernel()));
  w.field("initrd_name", g.initrd_name()).field("initrd_sha256", digestHex(g.initrd()));
  w.field("command_line", g.command_line()).field("memory_bytes", g.memory_bytes()).field("clock", clockName(g.clock_mode()));
  w.endObject();
  w.field("tandem_version", m.tandem_version()).field("host", m.host_name()).field("created", formatTime(m.created_ns()));
  w.field("format", std::to_string(reader.header().major) + "." + std::to_string(reader.header().minor));
  w.key("snapshot_icounts").beginArray();
  for (uint32_t i = 0; i < reader.snapshotCount(); ++i)
    w.value(reader.index().sections(static_cast<int>(reader.snapshotSection(i))).snapshot_icount());
  w.endArray();
  w.key("sections").beginArray();
  for (const auto& sec : reader.index().sections()) {
    w.beginObject().field("type", sectionTypeName(static_cast<uint16_t>(sec.type())));
    w.field("offset", sec.offset()).field("length", sec.length()).endObject();
  }
  w.endArray().endObject();
}

std::string summaryText(const ArchiveSummary& s) {
  size_t fresh = 0;
  for (const auto& g : s.signatures) fresh += g.is_new;
  std::string out = "failures seen from " + formatTime(s.window_start_ns) + " to " + formatTime(s.now_ns) + ": " +
                    std::to_string(s.failures) + " failure(s), " + std::to_string(s.signatures.size()) +
                    " signature(s), " + std::to_string(fresh) + " new\n";
  if (s.signatures.empty()) return out;
  out += "\n COUNT  TOTAL  NEW  FIRST SEEN            LAST SEEN             SIGNATURE                      LATEST        MESSAGE\n";
  for (const auto& g : s.signatures) {
    char counts[32];
    std::snprintf(counts, sizeof counts, "%6llu %6llu  %-3s  ", static_cast<unsigned long long>(g.in_window),
                  static_cast<unsigned long long>(g.total), g.is_new ? "new" : "");
    out += counts + padRight(formatTime(g.first_seen_ns), 20) + "  " + padRight(formatTime(g.last_seen_ns), 20) +
           "  " + padRight(g.signature, 29) + "  " + g.latest_id + "  " + oneLine(g.message, 60) + "\n";
  }
  return out;
}

void summaryJson(JsonWriter& w, const ArchiveSummary& s) {
  w.beginObject();
  w.field("from", formatTime(s.window_start_ns)).field("from_ns", s.window_start_ns);
  w.field("to", formatTime(s.now_ns)).field("to_ns", s.now_ns).field("failures", s.failures);
  w.key("signatures").beginArray();
  for (const auto& g : s.signatures) {
    w.beginObject().field("signature", g.signature).field("kind", g.kind).field("count", g.in_window);
    w.field("total", g.total).field("new", g.is_new);
    w.field("first_seen", formatTime(g.first_seen_ns)).field("first_seen_ns", g.first_seen_ns);
    w.field("last_seen", formatTime(g.last_seen_ns)).field("last_seen_ns", g.last_seen_ns);
    w.field("latest_id", g.latest_id).field("message", g.message).endObject();
  }
  w.endArray().endObject();
}

std::string summaryHtml(const ArchiveSummary& s) {
  size_t fresh = 0;
  uint64_t most = 1;
  for (const auto& g : s.signatures) {
    fresh += g.is_new;
    most = std::max(most, g.in_window);
  }
  std::string title = "tandem: failures from " + formatTime(s.window_start_ns) + " to " + formatTime(s.now_ns);
  std::string out = htmlPageBegin(title);
  out += "<h1>" + htmlEscape(title) + "</h1>\n<div class=\"sub\">" + std::to_string(s.failures) + " failure(s), " +
         std::to_string(s.signatures.size()) + " signature(s), " + std::to_string(fresh) + " new</div>\n";
  if (s.signatures.empty()) return out + htmlPageEnd();
  out += "<table class=\"grid\">\n<tr><th>count</th><th></th><th>total</th><th>kind</th><th>signature</th>"
         "<th>first seen</th><th>last seen</th><th>latest</th><th>message</th></tr>\n";
  for (const auto& g : s.signatures) {
    int width = static_cast<int>(120 * g.in_window / most);
    out += "<tr><td>" + std::to_string(g.in_window) + "</td><td><svg width=\"124\" height=\"12\" role=\"img\">"
           "<rect x=\"0\" y=\"1\" width=\"" + std::to_string(std::max(width, 2)) +
           "\" height=\"10\" fill=\"#1f6fd1\"/></svg></td><td>" + std::to_string(g.total) + "</td><td>" +
           htmlEscape(g.kind) + "</td><td><code>" + htmlEscape(g.signature) + "</code>" +
           (g.is_new ? " <span class=\"new\">new</span>" : "") + "</td><td class=\"nowrap\">" +
           formatTime(g.first_seen_ns) + "</td><td class=\"nowrap\">" + formatTime(g.last_seen_ns) + "</td><td><code>" + htmlEscape(g.latest_id) +
           "</code></td><td>" + htmlEscape(oneLine(g.message, 120)) + "</td></tr>\n";
  }
  return out + "</table>\n" + htmlPageEnd();
}

}  // namespace tandem::cli
