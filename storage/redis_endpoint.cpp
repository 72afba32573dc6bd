#include "storage/redis_endpoint.hpp"

#include <fstream>
#include <stdexcept>

namespace eventbed {
namespace {

constexpr int default_redis_port = 6379;
constexpr int default_sentinel_port = 26379;
constexpr const char* plain_scheme = "redis://";
constexpr const char* sentinel_scheme = "redis-sentinel://";

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

bool all_digits(const std::string& s) {
  for (char c : s)
    if (c < '0' || c > '9')
      return false;
  return !s.empty();
}

// The input as it may be shown: whatever lies between the login's first ':'
// and its last '@' (the password) becomes "***".
std::string redacted(const std::string& text) {
  auto scheme = text.find("://");
  auto at = text.rfind('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme)
    return text;
  auto colon = text.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at)
    return text;
  return text.substr(0, colon + 1) + "***" + text.substr(at);
}

struct bad_input {
  std::string shown;
  [[noreturn]] void operator()(const std::string& why) const {
    throw std::invalid_argument("--redis: " + why + " in '" + shown + "'");
  }
};

std::string percent_decoded(const std::string& s, const bad_input& bad) {
  auto hex = [&](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    bad("bad percent-escape in the login");
  };
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) bad("bad percent-escape in the login");
    out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
    i += 2;
  }
  return out;
}

// "host:port", "host", "[v6]:port", "[v6]".
redis_address parse_address(const std::string& text, int default_port, const bad_input& bad) {
  redis_address a{"", default_port};
  std::string port_text;
  bool has_port = false;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string::npos) bad("missing ']'");
    a.host = text.substr(1, close - 1);
    auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') bad("junk after ']'");
      port_text = rest.substr(1);
      has_port = true;
    }
  } else {
    auto colon = text.find(':');
    a.host = text.substr(0, colon);
    if (colon != std::string::npos) {
      if (text.find(':', colon + 1) != std::string::npos) bad("write IPv6 addresses as [addr]:port");
      port_text = text.substr(colon + 1);
      has_port = true;
    }
  }
  if (a.host.empty()) bad("empty host");
  if (has_port) {
    if (!all_digits(port_text) || port_text.size() > 5) bad("bad port");
    a.port = std::stoi(port_text);
    if (a.port < 1 || a.port > 65535) bad("port out of range");
  }
  return a;
}

int parse_db(const std::string& text, const bad_input& bad) {
  if (text.empty()) return 0;
  if (!all_digits(text) || text.size() > 5) bad("the database must be a number");
  return std::stoi(text);
}

// Everything after the scheme: "[login@]hosts[/path]". Fills the login and
// returns the hosts; `path` gets what follows the first '/' after them.
std::string split_login(const std::string& rest, redis_endpoint& ep, std::string& path,
                        const bad_input& bad) {
  std::string hosts = rest;
  auto at = rest.rfind('@');
  if (at != std::string::npos) {
    auto login = rest.substr(0, at);
    hosts = rest.substr(at + 1);
    auto colon = login.find(':');
    ep.user = percent_decoded(login.substr(0, colon), bad);
    if (colon != std::string::npos) {
      ep.password = percent_decoded(login.substr(colon + 1), bad);
      if (ep.password.empty()) bad("empty password");
    }
  }
  auto slash = hosts.find('/');
  if (slash != std::string::npos) {
    path = hosts.substr(slash + 1);
    hosts = hosts.substr(0, slash);
  }
  if (hosts.find_first_of("?#") != std::string::npos || path.find_first_of("?#") != std::string::npos)
    bad("query strings and fragments are not supported");
  return hosts;
}

}  // namespace

std::string redis_address::text() const {
  auto shown = host.find(':') == std::string::npos ? host : "[" + host + "]";
  return shown + ":" + std::to_string(port);
}

redis_endpoint parse_redis_endpoint(const std::string& text) {
  bad_input bad{redacted(text)};
  redis_endpoint ep;
  if (starts_with(text, plain_scheme)) {
    std::string path;
    auto hosts = split_login(text.substr(std::char_traits<char>::length(plain_scheme)), ep, path, bad);
    if (hosts.find(',') != std::string::npos) bad("redis:// takes one host (use redis-sentinel:// for several)");
    auto a = parse_address(hosts, default_redis_port, bad);
    ep.host = a.host;
    ep.port = a.port;
    ep.db = parse_db(path, bad);
    return ep;
  }
  if (starts_with(text, sentinel_scheme)) {
    std::string path;
    auto hosts = split_login(text.substr(std::char_traits<char>::length(sentinel_scheme)), ep, path, bad);
    size_t from = 0;
    for (;;) {
      auto comma = hosts.find(',', from);
      ep.sentinels.push_back(parse_address(hosts.substr(from, comma - from), default_sentinel_port, bad));
      if (comma == std::string::npos) break;
      from = comma + 1;
    }
    auto slash = path.find('/');
    ep.service = path.substr(0, slash);
    if (ep.service.empty()) bad("name the Sentinel service: redis-sentinel://host:port/SERVICE");
    if (slash != std::string::npos) ep.db = parse_db(path.substr(slash + 1), bad);
    return ep;
  }
  if (text.find("://") != std::string::npos)
    bad("unsupported scheme (use redis://, redis-sentinel:// or HOST:PORT; TLS is not supported)");
  auto a = parse_address(text, default_redis_port, bad);
  ep.host = a.host;
  ep.port = a.port;
  return ep;
}

std::string describe(const redis_endpoint& ep) {
  std::string login;
  if (!ep.user.empty() || !ep.password.empty() || !ep.password_file.empty())
    login = ep.user + (ep.password.empty() && ep.password_file.empty() ? "" : ":***") + "@";
  if (!ep.via_sentinel())
    return plain_scheme + login + redis_address{ep.host, ep.port}.text() + "/" + std::to_string(ep.db);
  std::string hosts;
  for (const auto& s : ep.sentinels)
    hosts += (hosts.empty() ? "" : ",") + s.text();
  return sentinel_scheme + login + hosts + "/" + ep.service + "/" + std::to_string(ep.db);
}

std::string current_password(const redis_endpoint& ep) {
  if (ep.password_file.empty())
    return ep.password;
  std::ifstream in(ep.password_file, std::ios::binary);
  std::string line;
  if (!in || !std::getline(in, line))
    throw std::runtime_error("cannot read the Redis password file " + ep.password_file);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n'))
    line.pop_back();
  if (line.empty())
    throw std::runtime_error("the Redis password file " + ep.password_file + " is empty");
  return line;
}

}  // namespace eventbed
