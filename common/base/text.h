// Checks and measures of UTF-8 text as people type it: characters outside the BMP and
// ideographic variation sequences round-trip intact; private-use code points (外字) and control
// characters are refused. Pure functions; safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace rfs {

struct TextRule {
  size_t max_chars;        // Unicode code points, not bytes.
  bool required = false;   // Empty or only spaces is refused.
  bool multiline = false;  // Allows '\n' and '\t'.
};

// OK when `text` is valid UTF-8 that keeps `rule`; otherwise INVALID_ARGUMENT naming `field`
// and the rule broken.
absl::Status ValidateText(absl::string_view text, absl::string_view field, const TextRule& rule);

// Number of Unicode code points in valid UTF-8 text.
size_t CountCodePoints(absl::string_view text);

// Columns a terminal uses to show `text`: 2 for East Asian wide and full-width characters, 0 for
// combining marks and variation selectors, 1 otherwise.
size_t DisplayWidth(absl::string_view text);

// `text` cut to at most `columns` display columns, with "…" when cut.
std::string TruncateToWidth(absl::string_view text, size_t columns);

// `text` padded with spaces on the right to `columns` display columns.
std::string PadToWidth(absl::string_view text, size_t columns);

// At most `max_chars` code points of `value` to quote in an error message or a log line: the
// value itself when short enough, else its first `max_chars` code points, "…" and its length in
// bytes, so that no input, however long, is echoed whole. Never splits a UTF-8 sequence.
std::string Excerpt(absl::string_view value, size_t max_chars = 40);

// Lower-cases ASCII letters, leaves everything else (used for case-insensitive title search).
std::string FoldAsciiCase(absl::string_view text);

}  // namespace rfs
