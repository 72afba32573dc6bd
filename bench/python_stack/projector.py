"""The projector: reads both streams from its checkpoints into SQLite (WAL),
upserting by event id, and stores the checkpoints in the same transaction as
the rows, so a restart neither skips nor doubles anything. The first outcome
of an event wins; the order in which an event and its outcome arrive does not
matter.
"""
import sqlite3

import redis

import settings

BATCH = 1000

SCHEMA = """
CREATE TABLE IF NOT EXISTS events(
  id TEXT PRIMARY KEY, type TEXT, source TEXT, data TEXT, traceparent TEXT,
  accepted_at_ms INTEGER, status TEXT NOT NULL DEFAULT 'accepted', detail TEXT,
  attempts INTEGER, processed_at_ms INTEGER);
CREATE TABLE IF NOT EXISTS checkpoints(stream TEXT PRIMARY KEY, last_id TEXT NOT NULL);
"""
UPSERT_EVENT = """
INSERT INTO events (id, type, source, data, traceparent, accepted_at_ms) VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET type = excluded.type, source = excluded.source, data = excluded.data,
    traceparent = excluded.traceparent, accepted_at_ms = excluded.accepted_at_ms
"""
UPSERT_OUTCOME = """
INSERT INTO events (id, status, detail, attempts, processed_at_ms) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET status = excluded.status, detail = excluded.detail,
    attempts = excluded.attempts, processed_at_ms = excluded.processed_at_ms
  WHERE events.status = 'accepted'
"""
CHECKPOINT = "INSERT OR REPLACE INTO checkpoints (stream, last_id) VALUES (?, ?)"


def open_db() -> sqlite3.Connection:
    db = sqlite3.connect(settings.DB_PATH, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.executescript(SCHEMA)
    return db


def apply(db: sqlite3.Connection, batches) -> None:
    db.execute("BEGIN")
    for stream, entries in sorted(batches, key=lambda b: b[0] != settings.EVENTS):
        if stream == settings.EVENTS:
            db.executemany(UPSERT_EVENT, [(f["id"], f["type"], f["source"], f["data"], f["tp"],
                                           int(sid.split("-")[0])) for sid, f in entries])
        else:
            db.executemany(UPSERT_OUTCOME, [(f["id"], f["status"], f["detail"], int(f["attempts"]),
                                             int(f["at"])) for _, f in entries])
        db.execute(CHECKPOINT, (stream, entries[-1][0]))
    db.execute("COMMIT")


def main() -> None:
    db = open_db()
    log = redis.Redis.from_url(settings.REDIS_URL, decode_responses=True)
    after = {settings.EVENTS: "0-0", settings.OUTCOMES: "0-0"}
    after.update(db.execute("SELECT stream, last_id FROM checkpoints"))
    while True:
        batches = log.xread(after, count=BATCH, block=1000)
        if batches:
            apply(db, batches)
            after.update((stream, entries[-1][0]) for stream, entries in batches)


if __name__ == "__main__":
    main()
