#include "common/http_client.hpp"

#include <cctype>
#include <cstdlib>
#include <map>
#include <optional>
#include <string_view>

#include "common/curl_library.hpp"
#include "common/served_version.hpp"

namespace eventbed {

namespace {

size_t on_body(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

// The value of header line `line` if it is header `name` (case-insensitive), trimmed.
bool header_value(const std::string& line, std::string_view name, std::string& value) {
  if (line.size() <= name.size() || line[name.size()] != ':')
    return false;
  for (size_t i = 0; i < name.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(line[i])) != std::tolower(static_cast<unsigned char>(name[i])))
      return false;
  auto begin = line.find_first_not_of(" \t", name.size() + 1);
  auto end = line.find_last_not_of(" \t\r\n");
  value = begin == std::string::npos || end < begin ? "" : line.substr(begin, end - begin + 1);
  return true;
}

// Picks Retry-After (eventbed sends delta-seconds) and the served version out of the header lines.
size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto& res = *static_cast<sim_http_response*>(user);
  std::string line(data, size * n), value;
  if (header_value(line, "Retry-After", value)) {
    char* end = nullptr;
    double v = std::strtod(value.c_str(), &end);
    if (end != value.c_str())
      res.retry_after = v;
  } else if (header_value(line, served_version_header, value)) {
    res.served_by = value;
  }
  return size * n;
}

sim_http_response::failure classify(CURLcode rc) {
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      return sim_http_response::failure::timeout;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
      return sim_http_response::failure::connect;
    default:
      return sim_http_response::failure::transport;
  }
}

}  // namespace

std::string sim_http_response::cause() const {
  switch (failed) {
    case failure::timeout: return "timeout";
    case failure::connect: return "connect";
    case failure::transport: return "transport";
    case failure::none: break;
  }
  return status >= 200 && status < 300 ? "ok" : "http_" + std::to_string(status);
}

struct sim_http_client::impl {
  const curl_library& lib = curl_library::get();
  CURL* curl = nullptr;
  std::vector<std::string> headers;    // the user's
  curl_slist* get_headers = nullptr;   // GET: the user's headers only (null if none)
  // POST, per body media type (a client sends one or two): its Content-Type,
  // no "Expect: 100-continue" wait, and the user's headers. Made on first use.
  std::map<std::string, curl_slist*> post_headers;

  curl_slist* post_headers_for(const std::string& content_type) {
    auto& list = post_headers[content_type];
    if (!list) {
      list = lib.slist_append(list, ("Content-Type: " + content_type).c_str());
      list = lib.slist_append(list, "Expect:");
      for (const auto& h : headers)
        list = lib.slist_append(list, h.c_str());
    }
    return list;
  }
  bool used = false;  // a transfer has completed: later ones expect to reuse its connection

  // The POST headers plus this request's traceparent: a list of its own,
  // freed when the transfer is done (a forward's cost is its round trip).
  struct traced_post_headers {
    const curl_library& lib;
    curl_slist* list = nullptr;
    traced_post_headers(impl& client, const sim_http_request& req) : lib(client.lib) {
      for (auto* h = client.post_headers_for(req.content_type); h; h = h->next)
        list = lib.slist_append(list, h->data);
      list = lib.slist_append(list, ("traceparent: " + req.traceparent).c_str());
    }
    ~traced_post_headers() { lib.slist_free_all(list); }
    traced_post_headers(const traced_post_headers&) = delete;
    traced_post_headers& operator=(const traced_post_headers&) = delete;
  };
};

sim_http_client::sim_http_client(const std::vector<std::string>& headers) : impl_(std::make_unique<impl>()) {
  const auto& lib = impl_->lib;
  impl_->curl = lib.easy_init();
  impl_->headers = headers;
  for (const auto& h : headers)
    impl_->get_headers = lib.slist_append(impl_->get_headers, h.c_str());
}

sim_http_client::~sim_http_client() {
  const auto& lib = impl_->lib;
  if (impl_->curl)
    lib.easy_cleanup(impl_->curl);
  for (auto& [type, list] : impl_->post_headers)
    lib.slist_free_all(list);
  lib.slist_free_all(impl_->get_headers);
}

sim_http_response sim_http_client::perform(const sim_http_request& req) {
  sim_http_response res;
  const auto& lib = impl_->lib;
  CURL* c = impl_->curl;
  if (!c) {
    res.failed = sim_http_response::failure::transport;
    res.error = "curl_easy_init failed";
    res.sent = res.done = std::chrono::steady_clock::now();
    return res;
  }
  auto timeout_ms = static_cast<long>(req.timeout * 1000);
  lib.easy_setopt(c, CURLOPT_URL, req.url.c_str());
  lib.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  lib.easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
  lib.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  lib.easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  lib.easy_setopt(c, CURLOPT_WRITEDATA, &res.body);
  lib.easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  lib.easy_setopt(c, CURLOPT_HEADERDATA, &res);
  std::optional<impl::traced_post_headers> traced;  // set through the transfer
  if (req.post) {
    lib.easy_setopt(c, CURLOPT_POST, 1L);
    lib.easy_setopt(c, CURLOPT_POSTFIELDS, req.body.c_str());
    lib.easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(req.body.size()));
    lib.easy_setopt(c, CURLOPT_HTTPHEADER,
                    req.traceparent.empty() ? impl_->post_headers_for(req.content_type)
                                            : traced.emplace(*impl_, req).list);
  } else {
    lib.easy_setopt(c, CURLOPT_HTTPGET, 1L);
    lib.easy_setopt(c, CURLOPT_HTTPHEADER, impl_->get_headers);
  }
  res.sent = std::chrono::steady_clock::now();
  CURLcode rc = lib.easy_perform(c);
  res.done = std::chrono::steady_clock::now();
  if (rc != CURLE_OK) {
    res.failed = classify(rc);
    res.error = lib.easy_strerror(rc);
    res.body.clear();
    res.retry_after = -1;
    res.served_by.clear();
    return res;
  }
  lib.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res.status);
  long connects = 0;
  lib.easy_getinfo(c, CURLINFO_NUM_CONNECTS, &connects);
  res.maybe_resent = impl_->used && connects > 0;
  impl_->used = true;
  return res;
}

}  // namespace eventbed
