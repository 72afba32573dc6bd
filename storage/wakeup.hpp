// A wakeup ends one thread's blocking Redis read early, from any thread.
//
// A detached actor that waits in XREADGROUP or XREAD with BLOCK sees its
// mailbox only when the read returns, so a message for it (the exit at
// shutdown) would wait out the block. With a wakeup, the reading thread hands
// it to redis_connection::command(argv, wake), and any other thread calls
// signal(): the read then returns what an expired block returns. A signal
// that comes while no read is in flight is kept, and the next read returns
// at once: none is lost between two reads. Each such read consumes the signal.
//
// An eventfd: signal() never blocks and is safe from any thread.
#pragma once

namespace eventbed {

class wakeup {
 public:
  // Throws std::system_error when the process has no descriptor left.
  wakeup();
  ~wakeup();
  wakeup(const wakeup&) = delete;
  wakeup& operator=(const wakeup&) = delete;

  void signal();

  // For the reading thread: the descriptor to poll (readable while a signal
  // is kept), and taking the signal.
  int fd() const { return fd_; }
  void clear();

 private:
  int fd_;
};

}  // namespace eventbed
