// A TCP port on 127.0.0.1 that nobody is bound to right now.
//
// The kernel picks it (bind to port 0). It can still be taken by another
// process before the caller binds it, so callers retry a start that fails.
#pragma once

namespace eventbed {

int pick_free_port();

}  // namespace eventbed
