"""The platform profile: its name, official domains and official URLs (``bot/brand.toml``).

Nothing else in the code names the platform or its domains; features read them from here.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator

from bot.config import load_toml

DEFAULT_BRAND_PATH = Path(__file__).with_name("brand.toml")
_DOMAIN = r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"


class BrandUrls(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    recharge: HttpUrl
    web_checkout: HttpUrl
    support: HttpUrl
    safety: HttpUrl
    terms: HttpUrl
    virtual_items_policy: HttpUrl
    app_ios: HttpUrl
    app_android: HttpUrl


class Brand(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    platform: str = Field(min_length=1, max_length=40)
    operator: str = Field(min_length=1, max_length=60)
    official_domains: tuple[str, ...] = Field(min_length=1)
    official_short_domains: tuple[str, ...] = ()
    urls: BrandUrls

    @field_validator("official_domains", "official_short_domains")
    @classmethod
    def _lowercase_domains(cls, domains: tuple[str, ...]) -> tuple[str, ...]:
        for domain in domains:
            if not re.match(_DOMAIN, domain):
                raise ValueError(f"{domain!r} is not a lowercase domain name")
        return domains

    def is_official_host(self, host: str) -> bool:
        """The host is an official domain or one of its subdomains."""
        host = host.lower().rstrip(".")
        return any(host == d or host.endswith("." + d) for d in self.official_domains)


def load_brand(path: Path = DEFAULT_BRAND_PATH) -> Brand:
    """The brand file, validated; a ConfigError names the file and the field at fault."""
    return load_toml(path, "BRAND_PATH", Brand)


@cache
def default_brand() -> Brand:
    return load_brand()
