"""The action panels: each one acts through ipcscope.actions, runner and removal only.

- action_form.ActionForm: one generic form for any action, built from its FieldSpecs
- semop_builder.SemopBuilder: several semaphore operations, applied atomically
- confirm_remove.ConfirmRemove: what a removal will do, focus on Cancel, re-checked removal
- shm_viewer.ShmViewer: live hex/ASCII view of a segment, write mode, detach on close
- operations.OperationsScreen: blocking calls running in helper processes, with cancel
- outcome: where a request runs, how results and errors read, the messages sent to the app
"""
