"""The syscall layer: thin, exact ctypes wrappers of the System V and POSIX IPC calls.

One module per kind of object (shm, msg, sem, posix_mq, posix_shm, posix_sem), plus keys (key
parsing, ftok), mount (a detached mqueue mount for listing queues), c_calls (each call rendered
as C) and errors (IpcError with a per-call explanation of each errno). Every failure raises
IpcError; bad input raises ValidationError before any syscall. Nothing here imports Textual.
"""
