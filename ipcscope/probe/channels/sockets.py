"""The sockets of this network namespace: sock_diag dumps, or /proc/net when they are refused.

unix_diag gives every UNIX socket with its name, peer, queue and pending clients; inet_diag every
TCP and UDP socket of IPv4 and IPv6 (four dumps). When a dump fails (its diag module is missing,
netlink is refused, or the /proc is a fixture tree) the /proc/net file says less: no UNIX peers or
queues, no TCP backlog; the notes say so. A failure is remembered: that dump is not retried.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field

from ipcscope.probe.channels import netlink, procnet
from ipcscope.probe.channels.diag import (
    ALL_STATES,
    TCP_STATES_WITH_INODES,
    InetRecord,
    UnixRecord,
    inet_request_body,
    parse_dump,
    unix_request_body,
)


@dataclass
class SocketList:
    """Records of one kind of socket; `complete` False when they could not be listed at all."""

    records: list[UnixRecord | InetRecord] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: False when peers and queues are unknown (the /proc/net fallback)
    detailed: bool = True
    complete: bool = True


class SocketSource:
    """Lists UNIX and inet sockets, preferring sock_diag (see the module docstring)."""

    def __init__(self, proc_root: str = "/proc", *, live: bool = True) -> None:
        self.proc_root = proc_root
        self.live = live
        #: dump name -> why sock_diag failed for it (then /proc/net is read instead)
        self.failed: dict[str, str] = {}

    def unix(self) -> SocketList:
        result = SocketList()
        if self._netlink_allowed("unix"):
            try:
                reply = netlink.dump(unix_request_body())
            except OSError as error:
                self.failed["unix"] = error.strerror or str(error)
            else:
                records, warnings = parse_dump(reply.payloads, "unix")
                result.records = list(records)
                result.notes += (reply.warnings or []) + warnings
                return result
        text = procnet.read_text(f"{self.proc_root}/net/unix")
        if text is None:
            result.complete = False
            result.notes.append("UNIX sockets could not be listed: sock_diag "
                                f"{self._why('unix')} and {self.proc_root}/net/unix is not readable.")
            return result
        records_from_file, bad = procnet.parse_unix(text)
        result.records = list(records_from_file)
        result.detailed = False
        result.notes.append(f"UNIX sockets come from {self.proc_root}/net/unix (sock_diag {self._why('unix')}): "
                            "their peers, queued bytes and pending connections are unknown.")
        if bad:
            result.notes.append(f"{bad} unrecognised line{'s' if bad != 1 else ''} of net/unix skipped.")
        return result

    def inet(self) -> SocketList:
        result = SocketList()
        fallback = []
        for name, family, protocol in procnet.INET_FILES:
            if self._netlink_allowed(name):
                states = TCP_STATES_WITH_INODES if protocol == socket.IPPROTO_TCP else ALL_STATES
                try:
                    reply = netlink.dump(inet_request_body(family, protocol, states))
                except OSError as error:
                    self.failed[name] = error.strerror or str(error)
                else:
                    records, warnings = parse_dump(reply.payloads, "inet", protocol)
                    result.records += records
                    result.notes += (reply.warnings or []) + warnings
                    continue
            text = procnet.read_text(f"{self.proc_root}/net/{name}")
            if text is None:
                if name in ("tcp", "udp") or family == socket.AF_INET:
                    result.complete = False
                continue  # no IPv6 here
            from_file, bad = procnet.parse_inet(text, family, protocol)
            result.records += from_file
            fallback.append(name)
            if bad:
                result.notes.append(f"{bad} unrecognised line{'s' if bad != 1 else ''} of net/{name} skipped.")
        if fallback:
            reasons = sorted({self._why(name) for name in fallback})
            result.notes.append(f"{', '.join('net/' + n for n in fallback)} read instead of sock_diag "
                                f"({'; '.join(reasons)}): the backlog of TCP listeners is unknown.")
        if not result.complete:
            result.notes.append("Some TCP/UDP sockets could not be listed (neither sock_diag nor /proc/net).")
        return result

    def _netlink_allowed(self, name: str) -> bool:
        return self.live and name not in self.failed

    def _why(self, name: str) -> str:
        if not self.live:
            return "is not asked about a fixture tree"
        return f"failed: {self.failed.get(name, 'unknown error')}"


def unix_records(found: SocketList) -> list[UnixRecord]:
    return [r for r in found.records if isinstance(r, UnixRecord)]


def inet_records(found: SocketList) -> list[InetRecord]:
    return [r for r in found.records if isinstance(r, InetRecord)]
