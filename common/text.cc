#include "common/text.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace rfs {
namespace {

// Decodes one code point at `s[*i]`, advancing `*i`. Returns -1 on malformed UTF-8 (overlong
// forms, surrogates and values above U+10FFFF included).
int32_t DecodeOne(absl::string_view s, size_t* i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(*i);
  int len;
  int32_t cp;
  if (c < 0x80) {
    *i += 1;
    return c;
  } else if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07;
  } else {
    return -1;
  }
  if (*i + len > s.size()) return -1;
  for (int k = 1; k < len; ++k) {
    const unsigned char cc = byte(*i + k);
    if ((cc & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (cc & 0x3F);
  }
  static constexpr int32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  *i += len;
  return cp;
}

bool IsPrivateUse(int32_t cp) {
  return (cp >= 0xE000 && cp <= 0xF8FF) || (cp >= 0xF0000 && cp <= 0xFFFFD) ||
         (cp >= 0x100000 && cp <= 0x10FFFD);
}

bool IsZeroWidth(int32_t cp) {
  return (cp >= 0x0300 && cp <= 0x036F) ||    // combining diacritics
         (cp >= 0x3099 && cp <= 0x309A) ||    // kana voicing marks
         (cp >= 0xFE00 && cp <= 0xFE0F) ||    // variation selectors
         (cp >= 0xE0100 && cp <= 0xE01EF) ||  // ideographic variation selectors
         cp == 0x200B || cp == 0x200D;
}

bool IsWide(int32_t cp) {
  return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
         (cp >= 0x3041 && cp <= 0x33FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
         (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
         (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
         (cp >= 0x20000 && cp <= 0x3FFFD);
}

}  // namespace

absl::Status ValidateText(absl::string_view text, absl::string_view field, const TextRule& rule) {
  size_t i = 0;
  size_t chars = 0;
  bool blank = true;
  while (i < text.size()) {
    const size_t at = i;
    const int32_t cp = DecodeOne(text, &i);
    if (cp < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": not valid UTF-8 at byte ", at, "; save the text as UTF-8"));
    }
    if (IsPrivateUse(cp)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: character U+%04X at position %d is a private-use character (外字); replace it "
          "with a standard character (行政事務標準文字)",
          field, cp, chars + 1));
    }
    const bool allowed_control = rule.multiline && (cp == '\n' || cp == '\t' || cp == '\r');
    if ((cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) && !allowed_control) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: control character U+%04X at position %d is not allowed%s", field, cp, chars + 1,
          rule.multiline ? "" : " (this field is a single line)"));
    }
    if (cp != ' ' && cp != 0x3000 && cp != '\n' && cp != '\t' && cp != '\r') blank = false;
    ++chars;
  }
  if (rule.required && blank) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": required, must not be empty"));
  }
  if (chars > rule.max_chars) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", chars,
                                                   " characters is too long (at most ",
                                                   rule.max_chars, ")"));
  }
  return absl::OkStatus();
}

size_t CountCodePoints(absl::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

size_t DisplayWidth(absl::string_view text) {
  size_t width = 0;
  size_t i = 0;
  while (i < text.size()) {
    const int32_t cp = DecodeOne(text, &i);
    if (cp < 0) {
      ++i;
      ++width;
      continue;
    }
    width += IsZeroWidth(cp) ? 0 : IsWide(cp) ? 2 : 1;
  }
  return width;
}

std::string TruncateToWidth(absl::string_view text, size_t columns) {
  if (DisplayWidth(text) <= columns) return std::string(text);
  if (columns == 0) return "";
  std::string out;
  size_t width = 0;
  size_t i = 0;
  while (i < text.size()) {
    const size_t at = i;
    const int32_t cp = DecodeOne(text, &i);
    if (cp < 0) break;
    const size_t w = IsZeroWidth(cp) ? 0 : IsWide(cp) ? 2 : 1;
    if (width + w > columns - 1) break;  // keep one column for the ellipsis
    out.append(text.data() + at, i - at);
    width += w;
  }
  out.append("…");
  return out;
}

std::string PadToWidth(absl::string_view text, size_t columns) {
  std::string out(text);
  const size_t width = DisplayWidth(text);
  if (width < columns) out.append(columns - width, ' ');
  return out;
}

std::string FoldAsciiCase(absl::string_view text) { return absl::AsciiStrToLower(text); }

}  // namespace rfs
