#include "tests/support/free_port.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>

namespace eventbed {

namespace {

// Ports below this are left alone: well-known and registered services.
constexpr int lowest_port = 10000;
// Fewer ports than this below the ephemeral range: pick with bind(0) instead.
constexpr int enough_ports = 1000;
constexpr int random_attempts = 64;

// Binds `port` (0: the kernel's choice) on 127.0.0.1 and closes it again:
// the port bound, or 0 if the bind failed.
int try_bind(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    throw std::runtime_error("no socket: " + std::string(std::strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  socklen_t len = sizeof addr;
  int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  if (rc == 0)
    rc = ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return rc == 0 ? ntohs(addr.sin_port) : 0;
}

// The first port of the kernel's ephemeral range; 0 if it cannot be read.
int ephemeral_low() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 0;
  return in >> low ? low : 0;
}

}  // namespace

int pick_free_port() {
  static const int below = ephemeral_low();
  if (below - lowest_port >= enough_ports) {
    static thread_local std::mt19937 rng{std::random_device{}()};
    std::uniform_int_distribution<int> any(lowest_port, below - 1);
    for (int i = 0; i < random_attempts; ++i)
      if (int port = try_bind(any(rng)); port != 0)
        return port;
  }
  if (int port = try_bind(0); port != 0)
    return port;
  throw std::runtime_error("no free port: " + std::string(std::strerror(errno)));
}

}  // namespace eventbed
