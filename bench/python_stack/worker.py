"""The worker: takes events from the stream through the consumer group,
processes each, and appends its outcome and acknowledges the entry in one
MULTI/EXEC, so an outcome is never written without the ack or the ack without
it. Entries a dead worker left pending are taken over after a minute idle.

Processing is eventbed's built-in handler: the data's size and a 64-bit digest
(blake2b here, FNV-1a in eventbed). Run as many of these as there are pods;
each names itself by host and pid.
"""
import hashlib
import json
import os
import socket
import time

import redis

import settings

BATCH = 100
CLAIM_IDLE_MS = 60_000


def outcome(fields: dict) -> dict:
    data = fields.get("data", "null").encode()
    result = {"bytes": len(data), "digest": hashlib.blake2b(data, digest_size=8).hexdigest()}
    return {"id": fields["id"], "status": "processed", "detail": json.dumps(result, separators=(",", ":")),
            "attempts": 1, "at": settings.now_ms(), "tp": fields.get("tp", "")}


def settle(db: redis.Redis, entries) -> None:
    """Appends every entry's outcome and acknowledges them all in one MULTI."""
    if not entries:
        return
    with db.pipeline(transaction=True) as multi:
        for _, fields in entries:
            multi.xadd(settings.OUTCOMES, outcome(fields))
        multi.xack(settings.EVENTS, settings.GROUP, *(stream_id for stream_id, _ in entries))
        multi.execute()


def main() -> None:
    db = redis.Redis.from_url(settings.REDIS_URL, decode_responses=True)
    consumer = f"{socket.gethostname()}-{os.getpid()}"
    try:
        db.xgroup_create(settings.EVENTS, settings.GROUP, id="0", mkstream=True)
    except redis.ResponseError as e:
        if "BUSYGROUP" not in str(e):
            raise
    claim_from, next_claim = "0-0", 0.0
    while True:
        if time.monotonic() >= next_claim:
            # Redis 7 adds the ids of deleted entries as a third element.
            claim_from, claimed = db.xautoclaim(settings.EVENTS, settings.GROUP, consumer, CLAIM_IDLE_MS,
                                                start_id=claim_from, count=BATCH)[:2]
            settle(db, [e for e in claimed if e[1]])
            if claim_from == "0-0":
                next_claim = time.monotonic() + CLAIM_IDLE_MS / 1000 / 2
        for _, entries in db.xreadgroup(settings.GROUP, consumer, {settings.EVENTS: ">"}, count=BATCH,
                                        block=1000) or []:
            settle(db, entries)


if __name__ == "__main__":
    main()
