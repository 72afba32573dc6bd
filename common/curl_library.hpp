// libcurl, loaded the first time an HTTP client needs it instead of linked.
//
// Only the simulator and a processor that forwards (--forward-to) make HTTP
// requests, and most processes do neither. Linked, libcurl maps itself and the
// twenty-odd libraries it depends on (OpenSSL, GnuTLS, Kerberos, LDAP,
// libssh2, ...) into every eventbed process at start, with their initialisers
// (the idle RSS this saves is in bench/README.md). Loaded with dlopen on first
// use, they stay out of the processes that never make a request.
//
// The functions are libcurl's stable ABI (soname libcurl.so.4); the header is
// still the one it was built against, so types and constants are checked.
#pragma once

#include <curl/curl.h>

namespace eventbed {

struct curl_library {
  decltype(&curl_easy_init) easy_init;
  decltype(&curl_easy_cleanup) easy_cleanup;
  decltype(&curl_easy_setopt) easy_setopt;
  decltype(&curl_easy_perform) easy_perform;
  decltype(&curl_easy_getinfo) easy_getinfo;
  decltype(&curl_easy_strerror) easy_strerror;
  decltype(&curl_slist_append) slist_append;
  decltype(&curl_slist_free_all) slist_free_all;

  // Loads libcurl.so.4 and runs curl_global_init, once per process (thread
  // safe). Throws std::runtime_error naming the library and dlerror()'s reason
  // if it cannot be loaded: no HTTP client works without it.
  static const curl_library& get();
};

}  // namespace eventbed
