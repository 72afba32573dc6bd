// heap_trimmer's contract: memory a program freed below a live allocation,
// which glibc keeps resident on its own, leaves the process once trimmed, and
// the periodic thread does that without being asked. RSS is read from
// /proc/self/status; the amounts are large enough (64 MB freed) that nothing
// else in the process can account for them.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "app/heap_trimmer.hpp"
#include "tests/support/deadline.hpp"

namespace eventbed {
namespace {

constexpr size_t chunk = 16 * 1024;         // below the mmap threshold: served by an arena
constexpr size_t chunks = 4096;             // 64 MB
constexpr long freed_kb = chunk * chunks / 1024;

long rss_kb() {
  std::ifstream in("/proc/self/status");
  for (std::string key; in >> key;) {
    if (key == "VmRSS:") {
      long kb = 0;
      in >> kb;
      return kb;
    }
    in.ignore(1 << 20, '\n');
  }
  return -1;
}

// Fills 64 MB of small chunks, allocates one more after them, and frees the
// 64 MB: the live chunk on top keeps glibc from returning any of it by itself.
// Returns the live chunk, to be freed by the caller.
void* free_below_a_live_chunk() {
  std::vector<void*> blocks;
  for (size_t i = 0; i < chunks; ++i) {
    blocks.push_back(std::malloc(chunk));
    std::memset(blocks.back(), 1, chunk);  // resident
  }
  void* pin = std::malloc(chunk);
  std::memset(pin, 1, chunk);
  for (void* b : blocks)
    std::free(b);
  return pin;
}

bool sanitized() {
#if defined(__SANITIZE_ADDRESS__)
  return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return true;
#endif
#endif
  return false;
}

TEST(HeapTrimmer, TrimReturnsFreedMemoryPinnedUnderALiveChunk) {
  if (sanitized())
    GTEST_SKIP() << "ASan replaces glibc's allocator and keeps freed memory in quarantine";
  void* pin = free_below_a_live_chunk();
  long before = rss_kb();
  EXPECT_TRUE(heap_trimmer::trim());
  long after = rss_kb();
  EXPECT_LT(after, before - freed_kb / 2) << "RSS " << before << " KB -> " << after << " KB";
  std::free(pin);
}

TEST(HeapTrimmer, TrimsPeriodicallyOnItsOwnThread) {
  if (sanitized())
    GTEST_SKIP() << "ASan replaces glibc's allocator and keeps freed memory in quarantine";
  void* pin = free_below_a_live_chunk();
  long before = rss_kb();
  {
    heap_trimmer trimmer(std::chrono::milliseconds(20));
    EXPECT_TRUE(eventually([&] { return rss_kb() < before - freed_kb / 2; }, std::chrono::seconds(30)))
        << "RSS stayed at " << rss_kb() << " KB from " << before << " KB";
  }
  std::free(pin);
}

TEST(HeapTrimmer, StopsWhenDestroyed) {
  // A period far longer than any test: the destructor must wake the thread, not wait it out.
  heap_trimmer trimmer(std::chrono::hours(1));
}

}  // namespace
}  // namespace eventbed
