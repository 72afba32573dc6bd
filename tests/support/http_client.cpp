#include "tests/support/http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>

namespace eventbed {

namespace {

size_t append_to(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

std::string http_result::header(const std::string& name) const {
  auto hay = lower(headers);
  auto key = "\n" + lower(name) + ":";
  auto pos = hay.find(key);
  if (pos == std::string::npos)
    return "";
  auto start = pos + key.size();
  auto end = headers.find_first_of("\r\n", start);
  auto value = headers.substr(start, end - start);
  value.erase(0, value.find_first_not_of(' '));
  return value;
}

std::string http_result::failure() const {
  if (status != 0)
    return "";
  switch (curl_code) {
    case CURLE_OPERATION_TIMEDOUT:
      return "timeout";
    case CURLE_COULDNT_CONNECT:
      return "connect";
    case CURLE_GOT_NOTHING:
      return "empty_reply";
    default:
      return "transport";
  }
}

struct http_client::impl {
  CURL* curl = curl_easy_init();
  long timeout_ms;
  ~impl() { curl_easy_cleanup(curl); }

  http_result perform(const std::string& url, const std::vector<std::string>& headers) {
    http_result res;
    curl_slist* list = nullptr;
    list = curl_slist_append(list, "Expect:");
    for (const auto& h : headers)
      list = curl_slist_append(list, h.c_str());
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_to);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &res.body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, append_to);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &res.headers);
    auto rc = curl_easy_perform(curl);
    if (rc == CURLE_OK)
      curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &res.status);
    else {
      res.error = curl_easy_strerror(rc);
      res.curl_code = static_cast<int>(rc);
    }
    curl_slist_free_all(list);
    return res;
  }
};

http_client::http_client(long timeout_ms) : impl_(std::make_unique<impl>()) {
  impl_->timeout_ms = timeout_ms;
}

http_client::~http_client() = default;

http_result http_client::get(const std::string& url, const std::vector<std::string>& extra_headers) {
  curl_easy_setopt(impl_->curl, CURLOPT_HTTPGET, 1L);
  return impl_->perform(url, extra_headers);
}

http_result http_client::post(const std::string& url, const std::string& body,
                              const std::string& content_type,
                              const std::vector<std::string>& extra_headers) {
  curl_easy_setopt(impl_->curl, CURLOPT_POST, 1L);
  curl_easy_setopt(impl_->curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(impl_->curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  auto headers = extra_headers;
  if (!content_type.empty())
    headers.push_back("Content-Type: " + content_type);
  else
    headers.push_back("Content-Type:");
  return impl_->perform(url, headers);
}

}  // namespace eventbed
