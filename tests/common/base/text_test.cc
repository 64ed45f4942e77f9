#include <gtest/gtest.h>

#include <random>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/base/text.h"

namespace rfs {
namespace {

TEST(Text, JapaneseOutsideBmpAndVariationSequencesAreKept) {
  // 𠮷 (U+20BB7, outside the BMP) and 葛󠄀 (葛 + U+E0100, an ideographic variation sequence).
  EXPECT_TRUE(ValidateText("𠮷野家 葛󠄀城市", "title", {200, true, false}).ok());
  EXPECT_EQ(CountCodePoints("𠮷野"), 2u);
}

TEST(Text, PrivateUseCharactersAreRefusedWithPosition) {
  auto s = ValidateText("富山\xEE\x80\x80県", "title", {200, true, false});  // U+E000
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("U+E000"), std::string::npos);
  EXPECT_NE(s.message().find("position 3"), std::string::npos);
  EXPECT_NE(s.message().find("外字"), std::string::npos);
}

TEST(Text, InvalidUtf8IsRefused) {
  EXPECT_FALSE(ValidateText("\xff\xfe", "title", {200, false, false}).ok());
  EXPECT_FALSE(ValidateText("\xC0\xAF", "title", {200, false, false}).ok());  // overlong '/'
  EXPECT_FALSE(ValidateText("\xED\xA0\x80", "title", {200, false, false}).ok());  // surrogate
}

TEST(Text, LengthCountsCharactersNotBytes) {
  std::string title;
  for (int i = 0; i < 200; ++i) title += "あ";
  EXPECT_TRUE(ValidateText(title, "title", {200, true, false}).ok());
  title += "あ";
  auto s = ValidateText(title, "title", {200, true, false});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("201 characters"), std::string::npos);
}

TEST(Text, RequiredAndSingleLine) {
  EXPECT_FALSE(ValidateText("", "title", {200, true, false}).ok());
  EXPECT_FALSE(ValidateText("　 ", "title", {200, true, false}).ok());  // ideographic space
  EXPECT_FALSE(ValidateText("a\nb", "title", {200, true, false}).ok());
  EXPECT_TRUE(ValidateText("a\nb", "summary", {200, false, true}).ok());
}

TEST(Text, InvisibleFormattingCharactersAreRefusedWithPosition) {
  // Right-to-left override, line separator, zero-width space, byte-order mark: each can make a
  // note or an audit line read otherwise than what is stored.
  // U+202E, U+2028, U+200B, U+FEFF, U+2066, U+061C.
  for (const char* bad : {"\xE2\x80\xAE", "\xE2\x80\xA8", "\xE2\x80\x8B", "\xEF\xBB\xBF",
                          "\xE2\x81\xA6", "\xD8\x9C"}) {
    for (bool multiline : {false, true}) {
      auto s = ValidateText(absl::StrCat("報告", bad, "済"), "note", {200, false, multiline});
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << absl::BytesToHexString(bad);
      EXPECT_NE(s.message().find("position 3"), std::string::npos) << s.message();
      EXPECT_NE(s.message().find("invisible formatting character"), std::string::npos)
          << s.message();
    }
  }
  // Their neighbours in the same UTF-8 rows stay: ellipsis, quotes, ZWJ (emoji sequences).
  EXPECT_TRUE(ValidateText("「実績」…“ok” 👨\u200D👩", "note", {200, false, false}).ok());
}

TEST(Text, DisplayWidthAlignsJapanese) {
  EXPECT_EQ(DisplayWidth("abc"), 3u);
  EXPECT_EQ(DisplayWidth("富山県"), 6u);
  EXPECT_EQ(DisplayWidth("ＡＩ・半導体"), 12u);
  EXPECT_EQ(DisplayWidth("葛󠄀"), 2u);
  EXPECT_EQ(PadToWidth("富山", 6), "富山  ");
  EXPECT_EQ(DisplayWidth(TruncateToWidth("北陸地域戦略産業クラスター", 9)), 9u);
}

}  // namespace
}  // namespace rfs

namespace rfs {
namespace {

// Reference: decode strictly, then apply the rules; used to check the fast byte-level path.
bool ReferenceOk(const std::string& s, bool multiline) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = s[i];
    int len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (int k = 1; k < len; ++k) {
      const unsigned char cc = s[i + k];
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    if ((cp >= 0xE000 && cp <= 0xF8FF) || cp >= 0xF0000) return false;
    const bool invisible = cp == 0x061C || cp == 0x200B || cp == 0x200E || cp == 0x200F ||
                           (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x2064) ||
                           (cp >= 0x2066 && cp <= 0x206F) || cp == 0xFEFF ||
                           (cp >= 0xFFF9 && cp <= 0xFFFB);
    if (invisible) return false;
    const bool ok_control = multiline && (cp == '\n' || cp == '\t' || cp == '\r');
    if ((cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) && !ok_control) return false;
    i += len;
  }
  return true;
}

TEST(Text, FastCheckAgreesWithAStrictDecoderOnRandomInput) {
  std::mt19937 rng(20261128);
  const std::vector<std::string> pieces = {
      "a", " ", "\n", "\x01", "\x7f", "富", "　", "（", "ａ", "𠮷", "\xEE\x80\x80", "\xEF\xA3\xBF",
      "\xEF\xA4\x80", "\xC2\x80", "\xC2\xA0", "\xED\xA0\x80", "\xE0\x80\xAF", "\xF0\x80\x80\xAF",
      "\xF3\xB0\x80\x80", "\xF4\x80\x80\x80", "\xC0\xAF", "\xFF", "\x80", "\xE3", "\xE3\x81",
      "葛\xF3\xA0\x84\x80", "\xF3\xBF\xBF\xBE", "\xF4\x8F\xBF\xBF", "\xF4\x90\x80\x80",
      // Invisible formatting characters and their allowed neighbours (…, “, ZWJ, U+FF5E).
      "\xE2\x80\xAE", "\xE2\x80\xA8", "\xE2\x80\x8B", "\xEF\xBB\xBF", "\xD8\x9C",
      "\xE2\x81\xA6", "\xE2\x81\xA0", "\xEF\xBF\xB9",
      "\u2026", "\u201C", "\u200D", "\u2070", "\uFF5E", "\u0600", "\uFEFE"};
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    const int n = rng() % 6;
    for (int k = 0; k < n; ++k) s += pieces[rng() % pieces.size()];
    for (bool multiline : {false, true}) {
      const absl::Status status = ValidateText(s, "f", {1000, false, multiline});
      EXPECT_EQ(status.ok(), ReferenceOk(s, multiline))
          << "input bytes: " << absl::BytesToHexString(s) << " multiline " << multiline;
      if (!status.ok()) {
        EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
        EXPECT_EQ(status.message().find("contains a character"), std::string::npos)
            << "the fast path refused what the exact walk cannot explain: "
            << absl::BytesToHexString(s);
      }
    }
  }
}

}  // namespace
}  // namespace rfs

namespace rfs {
namespace {

TEST(Excerpt, ShortValuesAreKeptAndLongOnesCutOnCodePoints) {
  EXPECT_EQ(Excerpt("160008"), "160008");
  EXPECT_EQ(Excerpt("abcdef", 3), "abc…(6 bytes)");
  // 富山県 is three 3-byte code points: the cut never splits one.
  EXPECT_EQ(Excerpt("富山県", 2), "富山…(9 bytes)");
  EXPECT_EQ(Excerpt("富山県", 3), "富山県");
  const std::string huge(7 << 20, 'x');
  EXPECT_LT(Excerpt(huge).size(), 80u);
}

}  // namespace
}  // namespace rfs
