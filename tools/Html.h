// Pieces of the self-contained HTML pages tandem writes (the failure report,
// the archive summary): escaping, and a page frame with the stylesheet
// inline, so a page needs nothing but itself to be read.
#pragma once

#include <string>
#include <string_view>

#include "vmm/Result.h"

namespace tandem::cli {

// Text for HTML content and attribute values. Guest text may hold any
// byte: control bytes show as Unicode's control pictures, bytes above 0x7E
// as the Latin-1 character of that code (as the JSON writer does).
std::string htmlEscape(std::string_view text);

// "<!DOCTYPE html>...<body>" with the page's title and the stylesheet.
std::string htmlPageBegin(std::string_view title);
std::string htmlPageEnd();

// One "<tr><th>label</th><td>value</td></tr>" row; `value_html` is already HTML.
std::string htmlRow(std::string_view label, std::string_view value_html);

// Writes a page to `path`, whole or not at all (logstore/DurableFile.h).
Status writeHtmlFile(const std::string& path, const std::string& page);

}  // namespace tandem::cli
