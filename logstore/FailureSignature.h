// The failure signature: a short stable name for "the same crash", so the
// archive can count how often a crash recurs and tell a new one from an old
// one. It is a hash of the failure kind, the top of the guest's stack (the
// innermost symbolised frames, function names only) and the first line of
// the panic/oops message, after normalising away what varies between runs
// of the same bug: addresses, offsets, numbers, timestamps, unreliable "?"
// frames. Diagnosis (analysis/Diagnosis.h) chooses the frames (those of
// the code that failed, not of the panic or oops machinery) and the line
// (the oops's first line, say, rather than "Fatal exception").
//
// Format: "<kind>-<16 hex digits>", e.g. "panic-3fa2c1d09b7e44aa". The hash
// is SHA-256 of a versioned text, so it is the same on every host and build.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "logstore/tandem.pb.h"

namespace tandem {

// Frames of the stack top that the signature uses.
constexpr size_t kSignatureFrames = 4;

std::string failureSignature(pb::FailureKind kind, const std::vector<std::string>& stack_top,
                             std::string_view message);
std::string failureSignature(const pb::FailureRecord& failure);

// "panic", "triple_fault", ...
std::string failureKindName(pb::FailureKind kind);

// Numbers, hex and addresses become '#' (a number with a unit keeps the
// unit: "22s" -> "#s"), printk timestamps go, whitespace collapses.
// "[ 12.5] BUG: unable to handle page fault at c1234567" ->
// "BUG: unable to handle page fault at #".
std::string normaliseFailureText(std::string_view text);

// "foo_bar+0x5c/0x70 [mod]" -> "foo_bar [mod]"; "" for an unreliable "? x" frame.
std::string normaliseFrame(std::string_view frame);

// The first line of `message` that has something besides a timestamp.
std::string_view firstMessageLine(std::string_view message);

}  // namespace tandem
