"""User and group names for uids and gids, looked up once per id.

The kernel reports numeric ids; `ipcs`/`lsipc` show names. A lookup can be slow (NSS may ask LDAP),
and thousands of objects usually share a handful of owners, so every answer is cached. An id with no
name (a deleted user, another container's uid) is shown as its number, as `ls -l` does.
"""

from __future__ import annotations

import grp
import pwd


class NameCache:
    """uid -> user name and gid -> group name, cached for the life of the instance.

    Keep one instance across snapshots (the live view does) to look each id up once per session.
    """

    def __init__(self) -> None:
        self._users: dict[int, str] = {}
        self._groups: dict[int, str] = {}

    def user(self, uid: int) -> str:
        name = self._users.get(uid)
        if name is None:
            try:
                name = pwd.getpwuid(uid).pw_name
            except (KeyError, OverflowError):
                name = str(uid)
            self._users[uid] = name
        return name

    def group(self, gid: int) -> str:
        name = self._groups.get(gid)
        if name is None:
            try:
                name = grp.getgrgid(gid).gr_name
            except (KeyError, OverflowError):
                name = str(gid)
            self._groups[gid] = name
        return name
