"""The one exception root of mailflow and its few documented subclasses.

Messages never carry a secret: they name the setting that holds it instead.
"""


class MailflowError(Exception):
    """Anything mailflow reports to a person as one clear line.

    `details` are lines printed before it, each on its own (every bad row of an import).
    """

    details: tuple[str, ...] = ()


class ConfigError(MailflowError):
    """settings.toml is missing, malformed, or a value is wrong; names the key."""


class UsageError(MailflowError):
    """A command asked for what does not apply: a case move its state does not allow, an unknown
    name, a malformed amount or date. Exit status 2, like a mistake on the command line."""


class SecretError(ConfigError):
    """A secret reference (env:/file:/cmd:) could not be resolved."""


class MailServerError(MailflowError):
    """A mail server could not be reached or refused us (transient by default)."""


class LoginFailed(MailServerError):
    """The server rejected our credentials: retrying at once will not help."""


class ConnectionLost(MailServerError):
    """The connection died mid-conversation; reconnecting may help."""


class DatabaseUnreachable(MailflowError):
    """The database refused or dropped the connection; the message names it without its password."""

    def __init__(self, url: object, error: BaseException) -> None:
        render = getattr(url, "render_as_string", None)
        where = render(hide_password=True) if render else "the database"
        super().__init__(f"cannot reach the database {where}: {database_reason(error)}")


def database_reason(error: BaseException) -> str:
    """The driver's first line (psycopg's "connection failed: ..."), not SQLAlchemy's page of SQL."""
    cause = getattr(error, "orig", None) or error
    return (str(cause).strip().splitlines() or [type(cause).__name__])[0]
