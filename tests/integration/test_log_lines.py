"""The request log's lines: written once per event-loop turn, in order, none lost (issue 32)."""

from __future__ import annotations

import asyncio
import io

from taskflow.adapters.observability import LineBatch


class CountingFile(io.BytesIO):
    writes = 0

    def write(self, data: bytes) -> int:  # type: ignore[override]  # BytesIO's buffer type, narrowed
        self.writes += 1
        return super().write(data)


async def test_a_turns_lines_are_one_write_in_order_and_none_waits_past_it() -> None:
    file = CountingFile()
    lines = LineBatch(file)
    for n in range(50):  # fifty requests answered in one turn of the loop
        lines.info(b'{"n":%d}' % n)
    assert file.writes == 0
    await asyncio.sleep(0)  # the turn ends
    assert file.writes == 1
    assert file.getvalue().splitlines() == [b'{"n":%d}' % n for n in range(50)]
    lines.warning(b"next")
    await asyncio.sleep(0)
    assert (file.writes, file.getvalue().splitlines()[-1]) == (2, b"next")


def test_outside_a_loop_a_line_is_written_at_once() -> None:
    file = CountingFile()
    LineBatch(file).error(b"starting")
    assert file.getvalue() == b"starting\n"
