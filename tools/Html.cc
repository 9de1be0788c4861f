#include "tools/Html.h"

#include <cstdio>

#include "logstore/DurableFile.h"

namespace tandem::cli {
namespace {

constexpr char kStyle[] = R"(
body { font-family: "DejaVu Sans", sans-serif; margin: 24px; color: #1b1b1b; background: #ffffff; }
h1 { font-size: 22px; margin: 0 0 4px 0; }
h2 { font-size: 17px; margin: 22px 0 8px 0; border-bottom: 1px solid #d0d0d0; }
.sub { color: #555555; margin-bottom: 14px; }
table { border-collapse: collapse; }
th, td { text-align: left; vertical-align: top; padding: 2px 12px 2px 0; }
th { color: #444444; font-weight: normal; white-space: nowrap; }
table.grid td, table.grid th { border-bottom: 1px solid #e4e4e4; padding: 3px 10px; }
table.grid th { font-weight: bold; }
code, pre, .mono { font-family: "DejaVu Sans Mono", monospace; font-size: 13px; }
pre { background: #f6f6f6; padding: 8px; overflow-x: auto; margin: 0; }
.culprit { background: #fff1c2; }
.kind { display: inline-block; padding: 1px 8px; border-radius: 3px; color: #ffffff; background: #b3261e; }
.new { color: #b3261e; font-weight: bold; }
.note { color: #8a5a00; }
.nowrap { white-space: nowrap; }
)";

}  // namespace

std::string htmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      case '\n': case '\t': out += static_cast<char>(c); break;
      default:
        if (c >= 0x20 && c < 0x7F) {
          out += static_cast<char>(c);
        } else {
          char buf[16];
          unsigned code = c < 0x20 ? 0x2400 + c : c == 0x7F ? 0x2421 : c;  // control pictures
          std::snprintf(buf, sizeof buf, "&#x%X;", code);
          out += buf;
        }
    }
  }
  return out;
}

std::string htmlPageBegin(std::string_view title) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
         htmlEscape(title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
}

std::string htmlPageEnd() { return "</body>\n</html>\n"; }

std::string htmlRow(std::string_view label, std::string_view value_html) {
  return "<tr><th>" + htmlEscape(label) + "</th><td>" + std::string(value_html) + "</td></tr>\n";
}

Status writeHtmlFile(const std::string& path, const std::string& page) {
  auto f = DurableFile::create(path);
  if (!f) return f.error();
  if (Status s = (*f)->write(page.data(), page.size()); !s) return s;
  return (*f)->commit();
}

}  // namespace tandem::cli
