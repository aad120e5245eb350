"""argon2id hashing off the event loop, with a cap on how many run at once."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError

from taskflow.domain.ports.security import PasswordHasher


class Argon2PasswordHasher(PasswordHasher):
    """Each hash costs ~19 MiB and tens of milliseconds; the semaphore bounds both."""

    def __init__(self, *, memory_kib: int, time_cost: int, parallelism: int, max_concurrent: int) -> None:
        self._argon2 = _Argon2(memory_cost=memory_kib, time_cost=time_cost, parallelism=parallelism)
        self._slots = asyncio.Semaphore(max_concurrent)
        self._dummy_hash = self._argon2.hash("taskflow-dummy-password")

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(self._argon2.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        async with self._slots:
            try:
                return await asyncio.to_thread(self._argon2.verify, password_hash, password)
            except (VerificationError, InvalidHashError):
                return False

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._argon2.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True

    async def verify_dummy(self, password: str) -> None:
        await self.verify(self._dummy_hash, password)
