"""Settings, read once at start from the environment and ``.env``.

A bad value stops start-up with exit code 2 and one line naming the variable, so an operator sees
``config error: DEFAULT_LOCALE: ...`` rather than a traceback.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import AnyHttpUrl, BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.i18n import SUPPORTED_LOCALES

TOKEN_PATTERN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{1,100}$")
SECRET_TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class ConfigError(Exception):
    """A setting an operator must fix; the message is one line naming it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
    )

    bot_token: SecretStr | None = None
    bot_api_url: str = "https://api.telegram.org/bot"
    database_path: Path = Path("data/recharge.sqlite3")
    brand_path: Path | None = None  # default: the brand.toml shipped in the package
    catalog_path: Path | None = None  # default: the catalog.toml shipped in the package
    faq_dir: Path | None = None  # default: the faq/ folder next to the package
    default_locale: str = "en"
    staff_chat_id: int | None = None
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    # Support: who may act as an agent (empty: every member of the staff chat), who may refund
    # (empty: ADMIN_IDS), and the desk's file of hours, timings and canned replies.
    support_agent_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    support_refund_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    support_config_path: Path | None = None  # default: the desk.toml shipped in bot/support
    webhook_url: AnyHttpUrl | None = None
    webhook_listen: str = "0.0.0.0"  # noqa: S104 - a webhook server listens for Telegram
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret_token: SecretStr | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Web checkout: where the official checkout lives (default: the brand's URL; the sandbox
    # points it at its own page) and the secret the platform signs its payment notifications
    # with (unset: notifications are refused; the sandbox makes one up per run).
    web_checkout_url: AnyHttpUrl | None = None
    payment_webhook_secret: SecretStr | None = None
    # The bot's own HTTP endpoints (payment notifications), when not in the sandbox.
    http_listen: str = "127.0.0.1"
    http_port: int = Field(default=8090, ge=1, le=65535)
    # Telegram's overall flood limit; a local Bot API server or the emulator may allow more.
    rate_limit_per_second: float = Field(default=30, gt=0)
    # Telegram's limit per group chat (the staff chat); likewise.
    group_rate_limit_per_minute: float = Field(default=20, gt=0)
    # How many updates from different chats are handled at once; one chat is always in order.
    concurrent_updates: int = Field(default=64, ge=1, le=1024)
    # The local sandbox (BOT_TOKEN unset) serves its web chat here; port 0 picks a free port.
    sandbox_host: str = "127.0.0.1"
    sandbox_port: int = Field(default=8080, ge=0, le=65535)

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not TOKEN_PATTERN.match(value.get_secret_value()):
            raise ValueError("expected the form 123456789:AAE... that @BotFather gives")
        return value

    @field_validator("bot_api_url")
    @classmethod
    def _api_url_shape(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+(/\S*)?$", value):
            raise ValueError("expected an http(s) URL such as https://api.telegram.org/bot")
        return value

    @field_validator("default_locale")
    @classmethod
    def _supported_locale(cls, value: str) -> str:
        if value not in SUPPORTED_LOCALES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LOCALES)} (got {value!r})")
        return value

    @field_validator("admin_ids", "support_agent_ids", "support_refund_ids", mode="before")
    @classmethod
    def _comma_separated_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            if not all(re.fullmatch(r"-?\d+", part) for part in parts):
                raise ValueError("expected comma-separated Telegram user ids, e.g. 1234,5678")
            return frozenset(int(part) for part in parts)
        return value

    @field_validator("webhook_secret_token")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not SECRET_TOKEN_PATTERN.match(value.get_secret_value()):
            raise ValueError("1-256 characters, only A-Z, a-z, 0-9, _ and -")
        return value

    @property
    def token(self) -> str:
        if self.bot_token is None:
            raise ConfigError("BOT_TOKEN: not set")
        return self.bot_token.get_secret_value()

    @property
    def bot_api_file_url(self) -> str:
        """Telegram serves files under /file/bot<token>; a local server mirrors that layout."""
        base = self.bot_api_url.rstrip("/")
        head, _, tail = base.rpartition("/")
        return f"{head}/file/{tail}" if tail.startswith("bot") else f"{base}/file/bot"


def describe_validation_error(exc: ValidationError) -> str:
    """``where.the.field: what is wrong`` for the first error, for one-line operator messages."""
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


Model = TypeVar("Model", bound=BaseModel)


def load_toml(path: Path, setting: str, model: type[Model]) -> Model:
    """A TOML content file validated into ``model``; a ConfigError names the file and field."""
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise ConfigError(f"{setting}: cannot read {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {describe_validation_error(exc)}") from None


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment (and ``.env``), or a ConfigError naming the first bad one."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error["loc"] else "settings"
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{name}: {message}") from None
