"""The query service: GET /events/{id} answers an event from the projection
with its status and outcome, or 404.

A primary-key read takes microseconds, so it runs on the event loop; sending
it to the thread pool would cost more than it saves.
Run it as `uvicorn query:app --loop uvloop --http httptools --no-access-log`.
"""
import json
from datetime import datetime, timezone

from fastapi import FastAPI
from fastapi.responses import JSONResponse

import projector

app = FastAPI()
db = projector.open_db()

SELECT = ("SELECT id, type, source, data, traceparent, status, accepted_at_ms, processed_at_ms, attempts, detail"
          " FROM events WHERE id = ? AND type IS NOT NULL")


def iso(ms):
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@app.get("/events/{event_id}")
async def get_event(event_id: str):
    row = db.execute(SELECT, (event_id,)).fetchone()
    if row is None:
        return JSONResponse({"error": "not_found", "detail": f"no event {event_id}"}, status_code=404)
    id_, type_, source, data, tp, status, accepted_at, processed_at, attempts, detail = row
    answer = {"id": id_, "type": type_, "source": source, "data": json.loads(data), "traceparent": tp,
              "status": status, "accepted_at": iso(accepted_at), "processed_at": iso(processed_at),
              "attempts": attempts or 0}
    if detail is not None:
        answer["result" if status == "processed" else "error"] = json.loads(detail)
    return JSONResponse(answer)
