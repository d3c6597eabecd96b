"""The producer-consumer ring's layout, shared by its workers and its lab (which sets the speeds).

    struct ring { int producer_ms, consumer_ms; int slot[SLOTS]; };
and a set of three semaphores: EMPTY (free slots), FULL (filled slots), MUTEX (the buffer's lock).
"""

import struct

SLOTS = 8
EMPTY, FULL, MUTEX = 0, 1, 2
HEADER = struct.Struct("ii")
SIZE = HEADER.size + 4 * SLOTS
