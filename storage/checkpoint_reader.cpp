#include "storage/checkpoint_reader.hpp"

namespace eventbed {

checkpoint_reader::checkpoint_reader(sqlite::database& db)
    : select_(db, "SELECT stream, last_id FROM checkpoints") {}

checkpoint checkpoint_reader::read() {
  sqlite::reset_guard guard(select_);
  checkpoint c;
  while (select_.step()) (select_.text(0) == "events" ? c.events : c.outcomes) = select_.text(1);
  return c;
}

}  // namespace eventbed
