// A canonical text image of a projection, for proving two projections equal.
//
// A projection is a pure function of the log: rebuilt from the same entries,
// in any batch split, it must hold the same rows. Comparing dumps is how the
// tests and `eventbed projection verify` check that. Only content counts:
// rowids, page layout and the order rows were written in do not appear.
#pragma once

#include <string>
#include <vector>

namespace eventbed {

// One line per row of every table, sorted, plus one line for the schema
// version. A line is `<table>\t<column>=<value>\t...` with columns in schema
// order; values are NULL, integers, reals (%.17g), "quoted text" with
// \", \\ and \xHH escapes for control bytes (so a line never breaks), or
// x'hex' blobs. Reads one snapshot, so it may run while the projector writes.
// Throws storage_error if the file does not exist or cannot be read.
std::vector<std::string> dump_projection(const std::string& path);

}  // namespace eventbed
