// A detached actor that may block in Redis for long while idle and still
// handles a message from outside at once.
//
// A detached actor sees its next message only when its handler returns, and
// the processors' and the projector's handlers wait in XREADGROUP/XREAD with
// BLOCK for new entries. This actor signals its wakeup (storage/wakeup.hpp)
// whenever a message from anyone but itself arrives, and its reads pass the
// wakeup to Redis: the read in flight ends early, the handler returns, and
// the message (in practice the exit at shutdown) is handled within
// milliseconds, however long the read was allowed to block. Its own messages
// (the next poll, sent at the end of a handler, or a delayed retry) need no
// signal: its thread is not in a read then.
//
// The actor also knows, from its own thread, whether an exit message has
// arrived and waits in its mailbox (exit_requested()): a handler in the middle
// of a batch can then say that the stop landed there, and start no new one.
//
// The self pointer of a function-based stateful actor:
//   using self_ptr = wakeable_actor<processor_state, processor_actor>*;
//   processor_actor::behavior_type processor_impl(self_ptr self, ...);
//   sys.spawn<caf::detached>(processor_impl, ...);
#pragma once

#include <caf/mailbox_element.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/system_messages.hpp>

#include <atomic>
#include <utility>

#include "storage/wakeup.hpp"

namespace eventbed {

template <class State, class Handle>
class wakeable_actor : public caf::stateful_actor<State, typename Handle::base> {
  using super = caf::stateful_actor<State, typename Handle::base>;

 public:
  explicit wakeable_actor(caf::actor_config& cfg) : super(cfg) {}

  void enqueue(caf::mailbox_element_ptr what, caf::execution_unit* host) override {
    bool own = what != nullptr && what->sender != nullptr && what->sender.get() == this->ctrl();
    if (what != nullptr && what->content().template match_elements<caf::exit_msg>())
      exit_requested_.store(true, std::memory_order_release);
    super::enqueue(std::move(what), host);
    if (!own)
      wake_.signal();
  }

  // For the actor's reads; outlives its state.
  wakeup& wake() { return wake_; }

  // An exit message has been enqueued; it is handled once the handler in
  // progress returns. Safe from any thread.
  bool exit_requested() const { return exit_requested_.load(std::memory_order_acquire); }

 private:
  wakeup wake_;
  std::atomic<bool> exit_requested_{false};
};

}  // namespace eventbed
