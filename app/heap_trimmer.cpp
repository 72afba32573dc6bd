#include "app/heap_trimmer.hpp"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace eventbed {

heap_trimmer::heap_trimmer(std::chrono::milliseconds period) {
  thread_ = std::thread([this, period] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!wake_.wait_for(lock, period, [this] { return stopping_; }))
      trim();
  });
}

heap_trimmer::~heap_trimmer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

bool heap_trimmer::trim() {
#if defined(__GLIBC__)
  return malloc_trim(0) == 1;
#else
  return false;
#endif
}

}  // namespace eventbed
