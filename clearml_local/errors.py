"""ClearML API errors, each carrying ClearML Server's (result_code, result_subcode) pair."""


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


class InvalidModelId(APIError):
    subcode = 201
    default_message = "invalid model id"


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


class PayloadTooLarge(APIError):
    code = 413
    default_message = "request body too large"


class ServerError(APIError):
    """An unexpected failure: 500, which the SDK reports instead of retrying forever."""

    code = 500
    default_message = "general server error"
