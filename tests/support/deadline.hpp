// Waiting in tests: poll a condition until it holds or a deadline passes.
//
// A fixed sleep is too short on a loaded machine (the test flakes) and too
// long everywhere else (the suite crawls). eventually() returns as soon as
// pred() is true, and checks once more after the deadline has passed, so a
// condition that became true during the last step still counts.
#pragma once

#include <chrono>
#include <thread>

namespace eventbed {

template <class F>
bool eventually(F pred, std::chrono::milliseconds timeout,
                std::chrono::milliseconds step = std::chrono::milliseconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(step);
  }
}

}  // namespace eventbed
