"""Channels between processes: pipes, FIFOs, UNIX sockets and local TCP/UDP, found by the process
scan's one walk over /proc (descriptor links, blocked tasks), measured without side effects
(FIONREAD on pidfd_getfd duplicates) and joined with NETLINK_SOCK_DIAG dumps.

Modules, each with one job:
  descriptors  what a descriptor link names, and which end it holds
  pipes        bytes queued and capacity through a duplicate, and which end may be duplicated
  blocked      tasks asleep in read/write/recv/send/accept/connect, or in open() of a FIFO
  fifo_walk    FIFOs nobody has open (a bounded, cached walk of /tmp, /run, /dev/shm)
  diag         sock_diag requests and reply parsers (pure)    netlink  the dump's socket I/O
  procnet      the /proc/net fallback parsers                 sockets  dumps with that fallback
  inet         which TCP/UDP sockets are local channels, and their pairs
  collector    the per-scan bookkeeping the process scan calls  assemble  the model's ChannelScan
No Textual here.
"""

from ipcscope.probe.channels.collector import ChannelCollector, ChannelState

__all__ = ["ChannelCollector", "ChannelState"]
