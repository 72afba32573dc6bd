// Hands the C library's free heap memory back to the kernel, periodically.
//
// glibc keeps what a program frees in its malloc arenas (up to eight per core,
// each thread bound to one) and gives pages back on its own only from the top
// of an arena. A process whose threads allocate and free all the time, as the
// simulator's HTTP workers and CAF threads do, leaves free chunks pinned under
// live ones: its resident size follows the highest the arenas were ever filled,
// not what is live, and creeps up with every new peak (bench/README.md,
// "Simulator soak", has the measurement). malloc_trim(0) releases every whole
// free page of every arena, so run once in a while, RSS follows the live heap.
//
// Only glibc's allocator is trimmed; elsewhere (or under a sanitizer, which
// brings its own allocator) trim() does nothing and says so.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace eventbed {

class heap_trimmer {
 public:
  // Trims every `period` on a thread of its own, until destroyed.
  explicit heap_trimmer(std::chrono::milliseconds period);
  ~heap_trimmer();
  heap_trimmer(const heap_trimmer&) = delete;
  heap_trimmer& operator=(const heap_trimmer&) = delete;

  // Once, now: true if memory was given back.
  static bool trim();

 private:
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace eventbed
