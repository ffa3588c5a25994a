#include "link_header.h"

#include <cctype>
#include <optional>
#include <string_view>

#include "header_lexer.h"

namespace vouch::registry::internal {
namespace {

bool EqualsLower(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) {
    return false;
  }
  for (size_t i = 0; i < s.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != lower[i]) {
      return false;
    }
  }
  return true;
}

// NamesNext reports whether the rel value |rel| (relation types separated by spaces) holds "next".
bool NamesNext(std::string_view rel) {
  size_t i = 0;
  while (i < rel.size()) {
    size_t end = rel.find_first_of(" \t", i);
    if (end == std::string_view::npos) {
      end = rel.size();
    }
    if (EqualsLower(rel.substr(i, end - i), "next")) {
      return true;
    }
    i = end + 1;
  }
  return false;
}

class LinkReader : private HeaderLexer {
 public:
  explicit LinkReader(std::string_view s) : HeaderLexer(s) {}

  // Next returns the target of the first next link-value, nullopt at the end of the value or
  // where the grammar breaks.
  std::optional<std::string> Next() {
    while (true) {
      SkipListSeparators();
      if (pos_ >= s_.size() || s_[pos_] != '<') {
        return std::nullopt;
      }
      size_t gt = s_.find('>', pos_ + 1);
      if (gt == std::string_view::npos) {
        return std::nullopt;
      }
      std::string_view target = s_.substr(pos_ + 1, gt - pos_ - 1);
      pos_ = gt + 1;
      std::optional<bool> next = Params();
      if (!next) {
        return std::nullopt;
      }
      // An empty reference is the page itself: following it would loop, so it names no next.
      if (*next && !target.empty()) {
        return std::string(target);
      }
    }
  }

 private:
  // Params reads the parameters of one link-value up to the ',' that ends it (or the end) and
  // says whether its rel names "next"; nullopt when they break the grammar.
  std::optional<bool> Params() {
    bool next = false;
    bool rel_seen = false;
    while (true) {
      SkipSpaces();
      if (pos_ >= s_.size() || s_[pos_] == ',') {
        return next;
      }
      if (s_[pos_] != ';') {
        return std::nullopt;
      }
      ++pos_;
      SkipSpaces();
      std::string name = Token();
      if (name.empty()) {
        return std::nullopt;
      }
      SkipSpaces();
      std::string value;
      if (pos_ < s_.size() && s_[pos_] == '=') {
        ++pos_;
        SkipSpaces();
        if (pos_ < s_.size() && s_[pos_] == '"') {
          std::optional<std::string> quoted = Quoted();
          if (!quoted) {
            return std::nullopt;
          }
          value = std::move(*quoted);
        } else {
          value = Token();
          if (value.empty()) {
            return std::nullopt;
          }
        }
      }
      if (EqualsLower(name, "rel") && !rel_seen) {
        rel_seen = true;
        next = NamesNext(value);
      }
    }
  }
};

}  // namespace

std::string ParseLinkNext(const std::vector<std::string>& values) {
  for (const std::string& v : values) {
    if (std::optional<std::string> target = LinkReader(v).Next()) {
      return *target;
    }
  }
  return "";
}

}  // namespace vouch::registry::internal
