// vouch::Regexp over RE2 (vouch/core/regexp.h). RE2 stays out of the public header: no module
// that matches a pattern needs to know the engine.
#include "vouch/core/regexp.h"

#include <re2/re2.h>

#include <utility>

namespace vouch {

class Regexp::Impl {
 public:
  Impl(std::string pattern, const RE2::Options& options)
      : pattern_(std::move(pattern)), re_(pattern_, options) {}

  const std::string& pattern() const { return pattern_; }
  const RE2& re() const { return re_; }

 private:
  std::string pattern_;
  RE2 re_;
};

Regexp::Regexp(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

Result<Regexp> Regexp::Compile(std::string_view pattern) {
  if (pattern.size() > kMaxPatternLength) {
    return InvalidArgumentError("bad regular expression (" + std::to_string(pattern.size()) +
                                " characters): longer than " + std::to_string(kMaxPatternLength) +
                                " characters");
  }
  RE2::Options options;             // Go syntax, UTF-8, '.' does not match '\n': Go's defaults
  options.set_log_errors(false);    // the error goes into the Status, not to stderr
  options.set_never_capture(true);  // only "does it match" is ever asked
  auto impl = std::make_shared<const Impl>(std::string(pattern), options);
  if (!impl->re().ok()) {
    return InvalidArgumentError("bad regular expression \"" + std::string(pattern) +
                                "\": " + impl->re().error());
  }
  return Regexp(std::move(impl));
}

bool Regexp::Matches(std::string_view text) const {
  return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), impl_->re());
}

bool Regexp::FullMatches(std::string_view text) const {
  return RE2::FullMatch(re2::StringPiece(text.data(), text.size()), impl_->re());
}

const std::string& Regexp::pattern() const { return impl_->pattern(); }

}  // namespace vouch
