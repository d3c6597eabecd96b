"""`python -m ipcscope` is the same as the `ipcscope` command."""

from ipcscope.cli import main

status = main()
# CPython quirk: a KeyboardInterrupt raised inside a string exec (dataclasses and namedtuple build
# their methods that way, so a ctrl-c during a lazy import lands there) marks the interrupt as
# unhandled even after main() caught it, and `python -m` then kills itself with SIGINT instead of
# exiting with `status`. Every string exec resets that mark, so run an empty one.
exec("pass")
raise SystemExit(status)
