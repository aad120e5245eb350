"""Password adapters: argon2id verifies, refuses and notices a change of cost; the common list."""

from __future__ import annotations

from taskflow.adapters.security.common_passwords import BundledCommonPasswords
from taskflow.adapters.security.passwords import Argon2PasswordHasher

CHEAP = {"memory_kib": 64, "time_cost": 1, "parallelism": 1, "max_concurrent": 2}


async def test_a_hash_verifies_its_password_only() -> None:
    hasher = Argon2PasswordHasher(**CHEAP)
    hashed = await hasher.hash("correct horse battery staple")
    assert hashed.startswith("$argon2id$")
    assert await hasher.verify(hashed, "correct horse battery staple")
    assert not await hasher.verify(hashed, "correct horse battery stapler")
    assert not await hasher.verify("not a hash", "anything")


async def test_a_change_of_cost_asks_for_a_rehash() -> None:
    old = await Argon2PasswordHasher(**CHEAP).hash("pw")
    assert not Argon2PasswordHasher(**CHEAP).needs_rehash(old)
    assert Argon2PasswordHasher(**{**CHEAP, "time_cost": 2}).needs_rehash(old)
    assert Argon2PasswordHasher(**CHEAP).needs_rehash("garbage")


def test_the_bundled_list_knows_common_passwords_in_any_case() -> None:
    common = BundledCommonPasswords()
    assert common.contains("passwordpassword")
    assert common.contains("PasswordPassword")  # looked up lower-cased too
    assert common.contains("qwertyuiopasdfgh")
    assert not common.contains("correct horse battery staple")
    assert not common.contains("password")  # shorter than any listed entry: not looked up
