// RAII for libcurl handles (style rule 5): the CURL, CURLSH and curl_slist deleters.
#pragma once

#include <curl/curl.h>

#include <memory>

namespace vouch::registry::internal {

struct CurlEasyDeleter {
  void operator()(CURL* p) const { curl_easy_cleanup(p); }
};
struct CurlShareDeleter {
  void operator()(CURLSH* p) const { curl_share_cleanup(p); }
};
struct CurlSlistDeleter {
  void operator()(curl_slist* p) const { curl_slist_free_all(p); }
};

using CurlPtr = std::unique_ptr<CURL, CurlEasyDeleter>;
using CurlSharePtr = std::unique_ptr<CURLSH, CurlShareDeleter>;
using CurlSlistPtr = std::unique_ptr<curl_slist, CurlSlistDeleter>;

}  // namespace vouch::registry::internal
