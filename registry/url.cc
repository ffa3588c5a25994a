#include "url.h"

#include <curl/curl.h>

#include <memory>

namespace vouch::registry::internal {

std::string QueryEscape(std::string_view s) {
  // libcurl >= 7.82 accepts a null handle here.
  std::unique_ptr<char, decltype(&curl_free)> escaped(
      curl_easy_escape(nullptr, s.data(), static_cast<int>(s.size())), &curl_free);
  if (!escaped) {
    return std::string();  // allocation failure: an empty value fails the request visibly
  }
  std::string out;
  for (std::string_view e = escaped.get(); !e.empty();) {
    if (e.size() >= 3 && e[0] == '%' && e[1] == '2' && (e[2] == 'F' || e[2] == 'f')) {
      out.push_back('/');
      e.remove_prefix(3);
    } else {
      out.push_back(e[0]);
      e.remove_prefix(1);
    }
  }
  return out;
}

}  // namespace vouch::registry::internal
