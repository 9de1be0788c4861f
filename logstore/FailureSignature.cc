#include "logstore/FailureSignature.h"

#include <cctype>

#include "logstore/Sha256.h"

namespace tandem {
namespace {

bool isHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
bool isDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
bool isWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool isAlpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }

// Skips a printk timestamp "[   12.345678] " at the start of a line.
size_t skipTimestamp(std::string_view s, size_t i) {
  if (i >= s.size() || s[i] != '[') return i;
  size_t j = i + 1;
  while (j < s.size() && s[j] == ' ') ++j;
  size_t digits = j;
  while (j < s.size() && (isDigit(s[j]) || s[j] == '.')) ++j;
  if (j == digits || j >= s.size() || s[j] != ']') return i;
  ++j;
  while (j < s.size() && s[j] == ' ') ++j;
  return j;
}

}  // namespace

std::string normaliseFailureText(std::string_view s) {
  std::string out;
  bool line_start = true;
  for (size_t i = 0; i < s.size();) {
    if (line_start) {
      i = skipTimestamp(s, i);
      line_start = false;
      if (i >= s.size()) break;
    }
    char c = s[i];
    if (c == '\n' || c == '\r' || c == ' ' || c == '\t') {
      if (c == '\n') line_start = true;
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
      ++i;
      continue;
    }
    bool word_start = out.empty() || !isWordChar(out.back());
    if (word_start && isHex(c)) {
      // A token of hex digits (optionally 0x-prefixed) that holds a digit is a number.
      size_t j = i;
      if (c == '0' && i + 1 < s.size() && (s[i + 1] == 'x' || s[i + 1] == 'X')) j += 2;
      size_t body = j;
      bool digit = false;
      while (j < s.size() && isHex(s[j])) digit |= isDigit(s[j++]);
      bool ends_word = j >= s.size() || !isWordChar(s[j]);
      if (j > body && digit && ends_word) {
        out.push_back('#');
        i = j;
        continue;
      }
      // Decimal digits with a unit after them ("22s", "4ms"): the unit stays.
      size_t k = i;
      while (k < s.size() && isDigit(s[k])) ++k;
      size_t unit = k;
      while (unit < s.size() && isAlpha(s[unit])) ++unit;
      if (k > i && unit > k && (unit >= s.size() || !isWordChar(s[unit]))) {
        out.push_back('#');
        i = k;
        continue;
      }
    }
    out.push_back(c);
    ++i;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string normaliseFrame(std::string_view frame) {
  size_t b = 0;
  while (b < frame.size() && std::isspace(static_cast<unsigned char>(frame[b]))) ++b;
  frame.remove_prefix(b);
  if (frame.empty() || frame[0] == '?') return "";
  std::string name;
  size_t i = 0;
  while (i < frame.size() && frame[i] != '+' && frame[i] != ' ') name.push_back(frame[i++]);
  size_t mod = frame.find('[', i);
  if (mod != std::string_view::npos) {
    size_t end = frame.find(']', mod);
    if (end != std::string_view::npos) name += " " + std::string(frame.substr(mod, end - mod + 1));
  }
  return name;
}

std::string failureKindName(pb::FailureKind kind) {
  std::string name = pb::FailureKind_IsValid(kind) ? pb::FailureKind_Name(kind) : "unknown";
  if (kind == pb::FAILURE_KIND_UNSPECIFIED) name = "unknown";
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

std::string_view firstMessageLine(std::string_view message) {
  size_t pos = 0;
  while (pos < message.size()) {
    size_t nl = message.find('\n', pos);
    std::string_view line = message.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    if (!normaliseFailureText(line).empty()) return line;
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return {};
}

std::string failureSignature(pb::FailureKind kind, const std::vector<std::string>& stack_top,
                             std::string_view message) {
  // v2: the message line counts even with a stack (v1 used it only without).
  std::string text = "tandem-signature-v2\n" + failureKindName(kind) + "\n";
  size_t frames = 0;
  for (const std::string& f : stack_top) {
    std::string n = normaliseFrame(f);
    if (n.empty()) continue;
    text += "frame " + n + "\n";
    if (++frames == kSignatureFrames) break;
  }
  text += "message " + normaliseFailureText(firstMessageLine(message)) + "\n";
  Sha256Digest d = sha256(text.data(), text.size());
  return failureKindName(kind) + "-" + toHex(std::span<const uint8_t>(d.data(), 8));
}

std::string failureSignature(const pb::FailureRecord& f) {
  std::vector<std::string> frames(f.stack_top().begin(), f.stack_top().end());
  return failureSignature(f.kind(), frames, f.message());
}

}  // namespace tandem
