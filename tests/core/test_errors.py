import errno
import pickle

from ipcscope.core import errors
from ipcscope.core.errors import IpcError, ValidationError


def test_explanation_is_per_call():
    assert errors.explanation(errno.EIDRM, "semop") == "the set was removed while this process was waiting"
    assert "IPC_NOWAIT" in errors.explanation(errno.EAGAIN, "msgsnd")
    assert "MSG_NOERROR" in errors.explanation(errno.E2BIG, "msgrcv")
    assert errors.explanation(errno.ENOENT, "shmget").endswith("(use IPC_CREAT to create it)")


def test_fallbacks():
    assert errors.explanation(errno.EINTR, "no_such_call") == "interrupted by a signal"
    assert errors.explanation(errno.EXDEV, "semop") == "Invalid cross-device link"  # strerror


def test_every_wrapped_call_has_explanations():
    for call in ["ftok", "shmget", "shmat", "shmdt", "shmctl", "msgget", "msgsnd", "msgrcv", "msgctl",
                 "semget", "semop", "semtimedop", "semctl", "mq_open", "mq_send", "mq_timedsend",
                 "mq_receive", "mq_timedreceive", "mq_getattr", "mq_setattr", "mq_close", "mq_unlink",
                 "shm_open", "shm_unlink", "ftruncate", "mmap", "sem_open", "sem_post", "sem_trywait",
                 "sem_timedwait", "sem_unlink", "fsopen"]:
        assert errors.explanations_for(call), call


def test_error_is_one_line_and_pickles():
    error = IpcError(errno.EIDRM, "semop(3, {{0, -1, SEM_UNDO}}, 1)")
    assert str(error) == (
        "semop(3, {{0, -1, SEM_UNDO}}, 1) failed: EIDRM: the set was removed while this process was waiting"
    )
    assert error.call_name == "semop" and error.errno_name == "EIDRM"
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.errno, copy.call, copy.explanation) == (error.errno, error.call, error.explanation)
    invalid = pickle.loads(pickle.dumps(ValidationError("bad", "key")))
    assert (str(invalid), invalid.field) == ("bad", "key")
