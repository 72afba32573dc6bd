#include "storage/wakeup.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <system_error>

namespace eventbed {

wakeup::wakeup() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
}

wakeup::~wakeup() { ::close(fd_); }

void wakeup::signal() {
  uint64_t one = 1;
  // Fails only when the counter would overflow, and then it is signalled anyway.
  [[maybe_unused]] auto n = ::write(fd_, &one, sizeof one);
}

void wakeup::clear() {
  uint64_t count = 0;
  // EAGAIN when nothing was signalled: nothing to take.
  [[maybe_unused]] auto n = ::read(fd_, &count, sizeof count);
}

}  // namespace eventbed
