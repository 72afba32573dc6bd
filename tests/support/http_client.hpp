// Real HTTP over loopback for tests, through libcurl.
//
// One client keeps one connection alive, as libcurl does by default (no
// Connection header is added). Not thread-safe: give each thread its own
// client.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace eventbed {

struct http_result {
  long status = 0;        // 0: no HTTP answer at all (refused, reset, timeout)
  std::string body;
  std::string headers;    // raw response header block
  std::string error;      // curl's message when status == 0
  int curl_code = 0;      // curl's CURLcode when status == 0

  // Why there was no answer, in the simulator's words: "timeout", "connect"
  // (refused), "empty_reply" (closed without a byte), "transport" (any other
  // error); "" when an HTTP answer came.
  std::string failure() const;

  // The value of a response header (case-insensitive name), "" if absent.
  std::string header(const std::string& name) const;
};

class http_client {
 public:
  explicit http_client(long timeout_ms = 5000);
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  http_result get(const std::string& url, const std::vector<std::string>& extra_headers = {});
  http_result post(const std::string& url, const std::string& body,
                   const std::string& content_type = "application/json",
                   const std::vector<std::string>& extra_headers = {});

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace eventbed
