// One TCP connection to 127.0.0.1, written and read by hand: for the bytes
// no HTTP client library sends (garbage, pipelined requests, a request split
// at chosen points) and for watching exactly when the server closes.
#pragma once

#include <chrono>
#include <string>

namespace eventbed {

// What came back for one response on a raw connection.
struct raw_reply {
  bool answered = false;   // a complete HTTP status line and header block arrived
  bool closed = false;     // the server closed the connection (EOF or reset) before more came
  bool timed_out = false;  // neither within the deadline: a hang
  int status = 0;
  std::string headers;  // raw header block, from the status line to the last CRLF
  std::string body;

  // The value of a response header (case-insensitive name), "" if absent.
  std::string header(const std::string& name) const;
  // The Connection header, lowercased.
  std::string connection() const;
};

class raw_connection {
 public:
  explicit raw_connection(int port);
  ~raw_connection();
  raw_connection(const raw_connection&) = delete;
  raw_connection& operator=(const raw_connection&) = delete;

  bool connected() const { return connected_; }

  // False once the peer is gone (it may close while we are still writing).
  // Each call is one write (TCP_NODELAY is on).
  bool send(const std::string& bytes);
  void shutdown_write();

  // Reads one complete response (by Content-Length), or until EOF or the
  // deadline. Bytes after the response are kept for the next read, so
  // pipelined answers come out one per call.
  raw_reply read(std::chrono::milliseconds timeout);

  // After the last expected response: true if the server closes the
  // connection (EOF or reset) within `timeout` without sending anything else.
  bool closes_within(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string in_;  // received, not yet returned
};

}  // namespace eventbed
