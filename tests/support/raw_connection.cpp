#include "tests/support/raw_connection.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace eventbed {

namespace {

using steady = std::chrono::steady_clock;

std::string lower(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string raw_reply::header(const std::string& name) const {
  auto lower_headers = lower(headers);
  auto key = "\r\n" + lower(name) + ":";
  auto at = lower_headers.find(key);
  if (at == std::string::npos)
    return "";
  auto begin = at + key.size();
  auto end = headers.find("\r\n", begin);
  std::string value = headers.substr(begin, end - begin);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
    value.erase(0, 1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
    value.pop_back();
  return value;
}

std::string raw_reply::connection() const {
  return lower(header("Connection"));
}

raw_connection::raw_connection(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // each send its own segment
}

raw_connection::~raw_connection() {
  if (fd_ >= 0)
    ::close(fd_);
}

bool raw_connection::send(const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n <= 0)
      return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

void raw_connection::shutdown_write() {
  ::shutdown(fd_, SHUT_WR);
}

raw_reply raw_connection::read(std::chrono::milliseconds timeout) {
  raw_reply r;
  auto deadline = steady::now() + timeout;
  for (;;) {
    auto header_end = in_.find("\r\n\r\n");
    if (header_end != std::string::npos) {
      r.answered = in_.compare(0, 5, "HTTP/") == 0;
      r.status = r.answered ? std::atoi(in_.c_str() + in_.find(' ') + 1) : 0;
      r.headers = in_.substr(0, header_end + 2);
      if (r.answered) {
        auto length = r.header("Content-Length");
        size_t want = length.empty() ? 0 : std::stoul(length);
        if (in_.size() >= header_end + 4 + want) {
          r.body = in_.substr(header_end + 4, want);
          in_.erase(0, header_end + 4 + want);
          return r;
        }
      }
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      return r;
    }
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
      continue;
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      r.closed = true;
      if (r.answered)
        r.body = in_.substr(in_.find("\r\n\r\n") + 4);
      in_.clear();
      return r;
    }
    in_.append(buf, static_cast<size_t>(n));
  }
}

bool raw_connection::closes_within(std::chrono::milliseconds timeout) {
  if (!in_.empty())
    return false;
  auto deadline = steady::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
    if (left.count() <= 0)
      return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
      continue;
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0)
      return true;
    in_.append(buf, static_cast<size_t>(n));
    return false;  // more bytes, not a close
  }
}

}  // namespace eventbed
