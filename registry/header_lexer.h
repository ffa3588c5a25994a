// Private to the registry module: the lexical pieces of HTTP header field grammars (RFC 9110
// section 5.6) that the WWW-Authenticate (auth.cc) and Link (link_header.cc) readers share.
#pragma once

#include <cctype>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace vouch::registry::internal {

// IsTokenChar reports whether |c| is an RFC 9110 tchar.
inline bool IsTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// HeaderLexer walks one header field value; readers derive from it and keep their grammar.
class HeaderLexer {
 public:
  explicit HeaderLexer(std::string_view s) : s_(s) {}

 protected:
  // SkipSpaces skips optional whitespace (SP / HTAB) and returns how much it skipped.
  size_t SkipSpaces() {
    size_t n = 0;
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t')) {
      ++pos_;
      ++n;
    }
    return n;
  }
  // SkipListSeparators skips whitespace and the commas of a #list, empty elements included.
  void SkipListSeparators() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == ',')) {
      ++pos_;
    }
  }
  // Token reads a (possibly empty) run of tchar.
  std::string Token() {
    size_t start = pos_;
    while (pos_ < s_.size() && IsTokenChar(s_[pos_])) {
      ++pos_;
    }
    return std::string(s_.substr(start, pos_ - start));
  }
  // Quoted reads the quoted-string at pos_ (which is '"'), unescaping quoted-pairs; nullopt when
  // it is not terminated.
  std::optional<std::string> Quoted() {
    ++pos_;  // opening quote
    std::string out;
    while (pos_ < s_.size()) {
      char c = s_[pos_++];
      if (c == '"') {
        return out;
      }
      if (c == '\\') {
        if (pos_ >= s_.size()) {
          break;
        }
        c = s_[pos_++];
      }
      out.push_back(c);
    }
    return std::nullopt;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace vouch::registry::internal
