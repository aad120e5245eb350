"""SecantusDB's Python server, written to without taskflow: does each write cost more as it ages.

`uv run python -m bench.store_ageing [--writes N] [--batch N]`: starts a fresh SecantusDB,
inserts small documents one at a time (as `POST /api/v1/tasks` does: one `insert` each,
`w: "majority"`), and prints the server's CPU per insert for each batch, then deletes them
all and inserts one more batch; then restarts the server on the same data and inserts one
more. Three collections in turn: no index but `_id`, taskflow's `tasks` indexes, and
`w: 1` writes. See docs/secantusdb-write-ageing.md for what it showed.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from bson import ObjectId
from pymongo import AsyncMongoClient, WriteConcern
from pymongo.asynchronous.collection import AsyncCollection

from bench.__main__ import _cpu_seconds
from taskflow.adapters.mongo.client import create_indexes
from taskflow.entrypoints.processes import start_secantus


def _document(n: int) -> dict[str, Any]:
    return {"_id": ObjectId(), "user_id": ObjectId(), "title": f"task {n}", "status": "todo", "tags": []}


async def _insert_batch(collection: AsyncCollection[dict[str, Any]], pid: int, count: int) -> float:
    """SecantusDB's CPU microseconds per insert over `count` single inserts."""
    before = _cpu_seconds(pid)
    for n in range(count):
        await collection.insert_one(_document(n))
    return (_cpu_seconds(pid) - before) / count * 1e6


async def _run(writes: int, batch: int) -> None:
    storage = Path(tempfile.mkdtemp(prefix="secantus-ageing-"))
    server = start_secantus(storage=storage)
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(server.url)
    try:
        database = client["ageing"]
        await create_indexes(database)
        cases = {
            "no index, w:majority": database.get_collection("plain", write_concern=WriteConcern("majority", j=True)),
            "taskflow's task indexes, w:majority": database.get_collection(
                "tasks", write_concern=WriteConcern("majority", j=True)
            ),
            "no index, w:1": database.get_collection("plain_w1", write_concern=WriteConcern(1)),
        }
        for name, collection in cases.items():
            started = time.perf_counter()
            figures = [await _insert_batch(collection, server.process.pid, batch) for _ in range(writes // batch)]
            await collection.delete_many({})
            after_delete = await _insert_batch(collection, server.process.pid, batch)
            print(  # noqa: T201
                f"{name}: SecantusDB CPU us/insert per {batch}: {', '.join(f'{f:,.0f}' for f in figures)}; "
                f"after deleting them all: {after_delete:,.0f} ({time.perf_counter() - started:.0f} s)",
                flush=True,
            )
        await client.close()
        port = server.port
        server.stop()
        server = start_secantus(storage=storage, port=port)
        client = AsyncMongoClient(server.url)
        restarted = await _insert_batch(client["ageing"]["plain"], server.process.pid, batch)
        print(f"after restarting SecantusDB on the same data: {restarted:,.0f} us/insert", flush=True)  # noqa: T201
    finally:
        await client.close()
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--writes", type=int, default=4000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    asyncio.run(_run(args.writes, args.batch))


if __name__ == "__main__":
    main()
