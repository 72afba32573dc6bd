// Reads a projection file's checkpoints table: the last entry of each stream
// the projection has applied.
//
// The writer (projection) and every reader (projection_reader) read it the
// same way, so the query lives here once. The writer alone stores it, in the
// transaction that applies the rows it covers (projection::apply).
#pragma once

#include "storage/projection.hpp"
#include "storage/sqlite.hpp"

namespace eventbed {

class checkpoint_reader {
 public:
  // Prepares the query on `db`, which must outlive this reader and already
  // hold the projection schema.
  explicit checkpoint_reader(sqlite::database& db);

  // "0-0" for a stream the projection has not applied anything from.
  checkpoint read();

 private:
  sqlite::statement select_;
};

}  // namespace eventbed
