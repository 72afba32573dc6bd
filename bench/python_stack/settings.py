"""What the four services share: where Redis and the SQLite file are, the key
names, and the event a client may send (the body eventbed accepts as
`application/json`, gateways/README.md#ingest-bodies).

Every service reads its settings from the environment, as a pod would from its
ConfigMap:
  PYSTACK_REDIS_URL   redis://127.0.0.1:6379/0
  PYSTACK_DB          the projection's SQLite file (projector and query)
"""
import os
import secrets
import time
import uuid
from typing import Any, Optional

from pydantic import BaseModel, Extra, constr

REDIS_URL = os.environ.get("PYSTACK_REDIS_URL", "redis://127.0.0.1:6379/0")
DB_PATH = os.environ.get("PYSTACK_DB", "pystack.db")

EVENTS = "pystack:events"
OUTCOMES = "pystack:outcomes"
GROUP = "processors"
DEDUPE = "pystack:dedupe:"
DEDUPE_TTL_S = 86400


class Event(BaseModel):
    """One event. Unknown fields are refused, as eventbed refuses them."""

    id: Optional[constr(regex=r"^[A-Za-z0-9._:-]{1,128}$")] = None
    type: constr(regex=r"^[A-Za-z0-9._:/-]{1,256}$")
    source: str = ""
    data: Any = None
    traceparent: Optional[constr(regex=r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")] = None

    class Config:
        extra = Extra.forbid


def new_traceparent() -> str:
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"


def new_id() -> str:
    return str(uuid.uuid4())


def now_ms() -> int:
    return time.time_ns() // 1_000_000
