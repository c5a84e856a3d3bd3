"""Errors a user can act on. The CLI prints their message as one line, no traceback."""


class LearnerAIError(Exception):
    """Base of every error caused by input, configuration or state the user controls."""


class ConfigurationError(LearnerAIError):
    """A setting (URL, path, option) is wrong."""


class DatabaseUnavailableError(LearnerAIError):
    """The database cannot be reached or refused the connection."""


class SchemaVersionError(LearnerAIError):
    """The database is not at the schema revision this version of learnerai needs."""
