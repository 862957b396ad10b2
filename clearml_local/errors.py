"""ClearML API errors, each carrying ClearML Server's (result_code, result_subcode) pair."""
import errno
import sqlite3


class APIError(Exception):
    """An error answered in ClearML's envelope; codes follow ClearML Server's errors.conf."""

    code = 400
    subcode = 0
    default_message = "bad request"

    def __init__(self, message=None, **data):
        self.message = message or self.default_message
        super().__init__(self.message)
        self.data = data


class BadRequest(APIError):
    """Malformed request: invalid JSON, or a body that is not an object."""


class NotSupported(APIError):
    subcode = 1
    default_message = "endpoint is not supported"


class MissingRequiredFields(APIError):
    subcode = 11
    default_message = "missing required fields"


class ValidationError(APIError):
    subcode = 12
    default_message = "validation error"


class FieldsValueError(APIError):
    subcode = 16
    default_message = "invalid value for fields"


class FieldsTypeError(APIError):
    subcode = 20
    default_message = "invalid type for fields"


class InvalidRegex(APIError):
    subcode = 21
    default_message = "malformed regular expression"


class InvalidTaskId(APIError):
    subcode = 101
    default_message = "invalid task id"


class InvalidTaskStatus(APIError):
    subcode = 110
    default_message = "invalid task status"


class EventsNotAdded(APIError):
    subcode = 131
    default_message = "events not added"


class InvalidModelId(APIError):
    subcode = 201
    default_message = "invalid model id"


class InvalidAccessKey(APIError):
    subcode = 75
    default_message = "access key not found"


class InvalidUser(APIError):
    subcode = 300
    default_message = "invalid user"


class InvalidUserId(APIError):
    subcode = 301
    default_message = "invalid user id"


class InvalidProjectId(APIError):
    subcode = 401
    default_message = "invalid project id"


class ProjectHasTasks(APIError):
    subcode = 402
    default_message = "project has associated tasks"


class InvalidProjectName(APIError):
    subcode = 407
    default_message = "invalid project name"


class CannotUpdateProjectLocation(APIError):
    subcode = 408
    default_message = "cannot update project location"


class ProjectPathExceedsMax(APIError):
    subcode = 409
    default_message = "project path exceeds the maximum allowed depth"


class InvalidQueueId(APIError):
    subcode = 701
    default_message = "invalid queue id"


class QueueNotEmpty(APIError):
    subcode = 702
    default_message = "queue is not empty"


class TaskNotQueued(APIError):
    subcode = 703
    default_message = "invalid queue id or task not in queue"


class TaskAlreadyQueued(APIError):
    subcode = 706
    default_message = "failed adding task to queue since task is already queued"


class NoDefaultQueue(APIError):
    subcode = 707
    default_message = "no queue is tagged as the default queue for this company"


class ExpectedUniqueData(APIError):
    subcode = 801
    default_message = "value combination already exists"


class InvalidWorkerId(APIError):
    subcode = 1001
    default_message = "invalid worker id"


class Unauthorized(APIError):
    code = 401
    subcode = 20
    default_message = "unauthorized (missing credentials)"


class BadCredentials(Unauthorized):
    subcode = 21
    default_message = "unauthorized (malformed credentials)"


class InvalidCredentials(Unauthorized):
    subcode = 22
    default_message = "unauthorized (invalid credentials)"


class InvalidToken(Unauthorized):
    subcode = 30
    default_message = "invalid token"


class FileNotFound(APIError):
    """The file server has no file at that path."""

    code = 404
    default_message = "file not found"


class FilePathTaken(APIError):
    """The file server holds a file where a folder of the path is, or a folder at the path."""

    code = 409
    default_message = "file path is taken"


class PayloadTooLarge(APIError):
    code = 413
    default_message = "request body too large"


class ServerBusy(APIError):
    """The server's memory for request bodies stayed taken: the SDK retries 429 later."""

    code = 429
    default_message = "the server is busy: retry later"


class TaskCannotBeDeleted(APIError):
    subcode = 123
    default_message = "task cannot be deleted"


class ModelIsReady(APIError):
    subcode = 203
    default_message = "model is ready"


class ModelInUse(APIError):
    subcode = 205
    default_message = "model is used by tasks"


class ModelCreatingTaskExists(APIError):
    subcode = 206
    default_message = "task that created this model exists"


class FieldsConflict(APIError):
    subcode = 15
    default_message = "conflicting fields"


class LowDiskSpace(APIError):
    """The disk is full: the server cannot store what it was sent until space is freed."""

    code = 500
    subcode = 4
    default_message = "the server's disk is full: free space on it, then retry"


class ReadOnlyStorage(APIError):
    """The data folder cannot be written (a read-only disk or folder)."""

    code = 500
    subcode = 100
    default_message = "the server's data folder is read-only: nothing can be stored"


_DISK_ERRNOS = {errno.ENOSPC: LowDiskSpace, errno.EDQUOT: LowDiskSpace,
                errno.EROFS: ReadOnlyStorage, errno.EACCES: ReadOnlyStorage,
                errno.EPERM: ReadOnlyStorage}


def storage_error(exc):
    """The APIError for a failure of the disk under the data folder, or None for others.

    SQLite reports a full disk as SQLITE_FULL and a read-only one as SQLITE_READONLY; the file
    server sees OSErrors with errno ENOSPC, EDQUOT or EROFS.
    """
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc)
        if "full" in text:
            return LowDiskSpace(f"{LowDiskSpace.default_message} (SQLite: {text})")
        if "readonly" in text or "read-only" in text:
            return ReadOnlyStorage(f"{ReadOnlyStorage.default_message} (SQLite: {text})")
        if "disk I/O error" in text:
            return LowDiskSpace(f"the server could not write its database (SQLite: {text}); "
                                "check the disk's free space and health")
    if isinstance(exc, OSError) and exc.errno in _DISK_ERRNOS:
        kind = _DISK_ERRNOS[exc.errno]
        return kind(f"{kind.default_message} ({exc.strerror})")
    return None
