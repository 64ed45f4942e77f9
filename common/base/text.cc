#include "common/base/text.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/base/errors.h"

namespace rfs {
namespace {

// Decodes one code point at `s[*i]`, advancing `*i`. Returns -1 on malformed UTF-8 (overlong
// forms, surrogates and values above U+10FFFF included).
inline int32_t DecodeOne(absl::string_view s, size_t* i) {
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

// The private-use areas; planes 15 and 16 are refused whole (their last two code points of
// each plane are noncharacters, no better in a plan).
bool IsPrivateUse(int32_t cp) { return (cp >= 0xE000 && cp <= 0xF8FF) || cp >= 0xF0000; }

// Invisible formatting characters that change how text reads without showing themselves:
// bidirectional controls (U+202E turns "txt.exe" around), line and paragraph separators
// (U+2028 breaks a log line that has no '\n'), zero-width spaces, word joiners, the byte-order
// mark and interlinear annotation marks. ZWNJ and ZWJ (U+200C, U+200D) stay: emoji and some
// scripts need them.
bool IsInvisibleFormat(int32_t cp) {
  return cp == 0x061C || cp == 0x200B || cp == 0x200E || cp == 0x200F ||
         (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x2064) ||
         (cp >= 0x2066 && cp <= 0x206F) || cp == 0xFEFF || (cp >= 0xFFF9 && cp <= 0xFFFB);
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

namespace {

// What is wrong at a position, found by the exact (slow) walk below.
absl::Status Explain(absl::string_view text, absl::string_view field, const TextRule& rule) {
  size_t i = 0;
  size_t chars = 0;
  while (i < text.size()) {
    const size_t at = i;
    const int32_t cp = DecodeOne(text, &i);
    if (cp < 0) {
      return InvalidField(
          field,
          absl::StrCat("先頭から ", at,
                       " バイトの位置に UTF-8 として正しくないデータがあります。テキストを UTF-8 "
                       "で保存し直してください"),
          absl::StrCat("not valid UTF-8 at byte ", at, "; save the text as UTF-8"));
    }
    if (IsPrivateUse(cp)) {
      return InvalidField(
          field,
          absl::StrFormat("%d 文字目の U+%04X は外字（私用領域の文字）です。"
                          "行政事務標準文字に含まれる標準の文字に置き換えてください",
                          chars + 1, cp),
          absl::StrFormat("character U+%04X at position %d is a private-use character (外字); "
                          "replace it with a standard character (行政事務標準文字)",
                          cp, chars + 1));
    }
    if (IsInvisibleFormat(cp)) {
      return InvalidField(
          field,
          absl::StrFormat("%d 文字目の U+%04X は目に見えない書式制御文字（文字の向きや改行を"
                          "変える文字）で、使用できません。取り除いてください",
                          chars + 1, cp),
          absl::StrFormat("character U+%04X at position %d is an invisible formatting character "
                          "(it changes how the text reads); remove it",
                          cp, chars + 1));
    }
    const bool allowed_control = rule.multiline && (cp == '\n' || cp == '\t' || cp == '\r');
    if ((cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) && !allowed_control) {
      return InvalidField(
          field,
          absl::StrFormat("%d 文字目の制御文字 U+%04X は使用できません%s。取り除いてください",
                          chars + 1, cp, rule.multiline ? "" : "（この項目は1行で入力します）"),
          absl::StrFormat("control character U+%04X at position %d is not allowed%s", cp,
                          chars + 1, rule.multiline ? "" : " (this field is a single line)"));
    }
    ++chars;
  }
  // Unreachable while the fast path and this walk agree (tested); refuse rather than accept.
  return InvalidField(field, "使用できない文字が含まれています。該当する文字を取り除いてください",
                      "contains a character that is not allowed");
}

}  // namespace

// One pass over the bytes, without assembling code points: a lead byte's length comes from
// its high bits, its continuation bytes are checked, and the few lead/second-byte pairs that
// mean an overlong form, a surrogate, a C1 control or a private-use character send the text to
// Explain() for the exact message. Plans are mostly Japanese, so this loop is on the write path.
absl::Status ValidateText(absl::string_view text, absl::string_view field, const TextRule& rule) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  size_t chars = 0;
  bool blank = true;
  while (i < n) {
    const unsigned char b = p[i];
    ++chars;
    if (b < 0x80) {
      if (b < 0x20 || b == 0x7F) {
        if (!(rule.multiline && (b == '\n' || b == '\t' || b == '\r'))) {
          return Explain(text, field, rule);
        }
      } else if (b != ' ') {
        blank = false;
      }
      ++i;
      continue;
    }
    const size_t len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
    if (b < 0xC2 || b > 0xF4 || i + len > n) return Explain(text, field, rule);
    const unsigned char b1 = p[i + 1];
    bool ok = (b1 & 0xC0) == 0x80;
    for (size_t k = 2; k < len; ++k) ok &= (p[i + k] & 0xC0) == 0x80;
    if (!ok ||
        (b == 0xC2 && b1 < 0xA0) ||                  // C1 controls U+0080..U+009F
        (b == 0xE0 && b1 < 0xA0) ||                  // overlong 3-byte form
        (b == 0xED && b1 >= 0xA0) ||                 // surrogates
        b == 0xEE || (b == 0xEF && b1 < 0xA4) ||     // private use U+E000..U+F8FF
        (b == 0xF0 && b1 < 0x90) ||                  // overlong 4-byte form
        (b == 0xF3 && b1 >= 0xB0) || b == 0xF4) {    // planes 15-16 (private use), > U+10FFFF
      return Explain(text, field, rule);
    }
    // The lead bytes of the invisible formatting characters: decode those few exactly.
    if ((b == 0xD8 && b1 == 0x9C) || (b == 0xE2 && (b1 == 0x80 || b1 == 0x81)) ||
        (b == 0xEF && (b1 == 0xBB || b1 == 0xBF))) {
      size_t at = i;
      if (IsInvisibleFormat(DecodeOne(text, &at))) return Explain(text, field, rule);
    }
    if (!(b == 0xE3 && b1 == 0x80 && p[i + 2] == 0x80)) blank = false;  // U+3000 is a space
    i += len;
  }
  if (rule.required && blank) {
    return InvalidField(field, "必須項目です。空欄にせず入力してください",
                        "required, must not be empty");
  }
  if (chars > rule.max_chars) {
    return InvalidField(field,
                        absl::StrCat("文字数が ", chars, " 文字で、上限の ", rule.max_chars,
                                     " 文字を超えています。", rule.max_chars,
                                     " 文字以内で入力してください"),
                        absl::StrCat(chars, " characters is too long (at most ", rule.max_chars,
                                     ")"));
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

std::string Excerpt(absl::string_view value, size_t max_chars) {
  size_t chars = 0;
  for (size_t i = 0; i < value.size(); ++i) {
    // A code point starts at every byte that is not a continuation byte (10xxxxxx).
    if ((static_cast<unsigned char>(value[i]) & 0xC0) != 0x80 && chars++ == max_chars) {
      return absl::StrCat(value.substr(0, i), "…(", value.size(), " bytes)");
    }
  }
  return std::string(value);
}

std::string FoldAsciiCase(absl::string_view text) { return absl::AsciiStrToLower(text); }

}  // namespace rfs
