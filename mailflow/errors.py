"""The one exception root of mailflow and its few documented subclasses.

Messages never carry a secret: they name the setting that holds it instead.
"""


class MailflowError(Exception):
    """Anything mailflow reports to a person as one clear line."""


class ConfigError(MailflowError):
    """settings.toml is missing, malformed, or a value is wrong; names the key."""


class SecretError(ConfigError):
    """A secret reference (env:/file:/cmd:) could not be resolved."""


class MailServerError(MailflowError):
    """A mail server could not be reached or refused us (transient by default)."""


class LoginFailed(MailServerError):
    """The server rejected our credentials: retrying at once will not help."""


class ConnectionLost(MailServerError):
    """The connection died mid-conversation; reconnecting may help."""
