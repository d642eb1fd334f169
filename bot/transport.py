"""python-telegram-bot's HTTP transport on aiohttp instead of httpx.

python-telegram-bot sends every Bot API call through a ``BaseRequest``; its default uses httpx,
whose connection pool (httpcore) examines every pooled connection, with a socket poll each, for
every request it schedules. Profiled under load that scan was the largest single cost per update.
aiohttp, already here for the emulator and the payment endpoint, keeps idle connections in a
queue and does not scan, so the same bot handles more updates per second on the same core.
"""

from __future__ import annotations

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

DEFAULT_TIMEOUT = 5.0
MEDIA_WRITE_TIMEOUT = 20.0


class AiohttpRequest(BaseRequest):
    """One aiohttp session with a bounded connection pool."""

    def __init__(self, connection_pool_size: int, read_timeout: float = DEFAULT_TIMEOUT) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, keepalive_timeout=30)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(  # noqa: PLR0917 - python-telegram-bot's signature
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        write_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        connect_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        pool_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = request_data.multipart_data if request_data else None
        fields = request_data.json_parameters if request_data else None
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=_seconds(pool_timeout, 1.0),  # waiting for a pooled connection, and connecting
            sock_connect=_seconds(connect_timeout, DEFAULT_TIMEOUT),
            sock_read=_seconds(read_timeout, self._read_timeout),
        )
        body: aiohttp.FormData | dict[str, str] | None = fields
        if files:
            body = aiohttp.FormData(fields or {})
            for name, (filename, content, mime_type) in files.items():
                body.add_field(name, content, filename=filename, content_type=mime_type)
        try:
            async with self._session.request(method, url, data=body, timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc


def _seconds(value: object, default: float) -> float | None:
    """python-telegram-bot passes DEFAULT_NONE for "use your default", None for "no limit"."""
    if value is None:
        return None
    return float(value) if isinstance(value, int | float) else default
