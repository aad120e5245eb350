"""Import throughput: rows per second from `POST /tasks/import` to the job's `succeeded`.

Measured by the job's own clock (`created_at` to `finished_at`), so it covers queueing,
parsing, checking and writing in the worker, not the client's polling.
"""

from __future__ import annotations

import time
from datetime import datetime

import httpx

ROWS = 10_000


def import_rows_per_second(http: httpx.Client, token: str, *, rows: int = ROWS) -> float:
    body = "title,description,priority,tags\n" + "".join(
        f'Imported {n},row {n} of the bench,high,"[""bench""]"\n' for n in range(rows)
    )
    headers = {"Authorization": f"Bearer {token}"}
    accepted = http.post("/api/v1/tasks/import", content=body.encode(), headers={**headers, "Content-Type": "text/csv"})
    accepted.raise_for_status()
    location = accepted.headers["location"]
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        job = http.get(location, headers=headers).json()
        if job["state"] in {"succeeded", "failed"}:
            break
        time.sleep(0.2)
    if job["state"] != "succeeded" or job["created"] != rows:
        msg = f"the bench import did not succeed: {job}"
        raise RuntimeError(msg)
    seconds = (datetime.fromisoformat(job["finished_at"]) - datetime.fromisoformat(job["created_at"])).total_seconds()
    return rows / seconds
