// A TCP port on 127.0.0.1 that nobody is bound to right now.
//
// Chosen at random below the kernel's ephemeral range
// (/proc/sys/net/ipv4/ip_local_port_range) when there is room, and checked by
// binding it: a port the kernel hands out for bind(0) is one it also hands to
// outgoing connections, and the tests make many, so between the pick and the
// caller's bind an HTTP client of another test could take it. Below the range
// only another process that binds that very port can, so callers still retry a
// start that fails. Without room below the range, the kernel picks (bind to 0).
#pragma once

namespace eventbed {

int pick_free_port();

}  // namespace eventbed
