"""The ingest service: POST /ingest appends one event, or a list of them, to
the events stream and answers 202 with the id(s) once Redis has acknowledged.

An event with its own id is stored once: a Lua script sets a dedupe key and
appends in one step, and a repeat answers the first id with "duplicate": true.
Run it as `uvicorn ingest:app --loop uvloop --http httptools --no-access-log`.
"""
import json
from typing import List, Union

import redis.asyncio as redis
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

import settings
from settings import Event

app = FastAPI()
db = redis.Redis.from_url(settings.REDIS_URL, decode_responses=True)

# KEYS: dedupe key, events stream. ARGV: ttl, then the entry's fields.
# Answers the stream id of a new entry, or nil for a repeat.
APPEND_ONCE = db.register_script("""
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return redis.call('XADD', KEYS[2], '*', unpack(ARGV, 2))
end
return false
""")


def entry(event: Event) -> dict:
    return {
        "id": event.id or settings.new_id(),
        "type": event.type,
        "source": event.source,
        "data": json.dumps(event.data, separators=(",", ":")),
        "tp": event.traceparent or settings.new_traceparent(),
    }


async def append(client, event: Event):
    """Appends one event through `client` (the connection or a pipeline)."""
    fields = entry(event)
    if event.id is None:
        return await client.xadd(settings.EVENTS, fields), fields["id"]
    argv = [x for kv in fields.items() for x in kv]
    return await APPEND_ONCE(keys=[settings.DEDUPE + event.id, settings.EVENTS],
                             args=[settings.DEDUPE_TTL_S, *argv], client=client), fields["id"]


@app.post("/ingest", status_code=202)
async def ingest(body: Union[Event, List[Event]]):
    if isinstance(body, Event):
        stream_id, event_id = await append(db, body)
        return JSONResponse({"id": event_id, "duplicate": stream_id is None}, status_code=202)
    if not body:
        return JSONResponse({"error": "empty_batch", "detail": "the list holds no event"}, status_code=400)
    async with db.pipeline(transaction=False) as pipe:
        ids = [(await append(pipe, event))[1] for event in body]
        stream_ids = await pipe.execute()
    return JSONResponse({"ids": ids, "duplicates": sum(s is None for s in stream_ids)}, status_code=202)


@app.exception_handler(RequestValidationError)
async def invalid_event(request: Request, exc: RequestValidationError):
    return JSONResponse({"error": "invalid_event", "detail": str(exc)}, status_code=400)


@app.exception_handler(redis.ConnectionError)
async def redis_unavailable(request: Request, exc: redis.ConnectionError):
    return JSONResponse({"error": "redis_unavailable", "detail": str(exc)}, status_code=503,
                        headers={"Retry-After": "1"})
