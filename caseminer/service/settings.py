"""Service knobs, in one frozen dataclass that can also be read from the environment.

`caseminer serve` passes its options through environment variables because uvicorn starts each
worker process from an import string; every worker then rebuilds the same settings.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

ENV_PREFIX = "CASEMINER_"


@dataclass(frozen=True)
class ServiceSettings:
    """Limits and options of one service instance (all limits are per request)."""

    api_key: str | None = None  # when set, every /v1 route but /v1/health needs X-API-Key
    max_upload_mb: float = 20.0  # request body limit (JSON, text or PDF), 413 above it
    max_text_chars: int = 500_000  # extracted/posted text limit, 413 above it
    max_batch: int = 32  # texts per /v1/extract/batch request, 413 above it
    timeout_s: float = 120.0  # extraction time limit per request, 504 after it
    max_pending: int = 64  # requests queued for the pipeline before 503 (backpressure)
    preload: bool = True  # build the pipeline at startup rather than on the first request

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    def to_env(self) -> dict[str, str]:
        """Environment variables that `from_env` turns back into these settings."""
        env: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            env[ENV_PREFIX + f.name.upper()] = str(int(value) if isinstance(value, bool) else value)
        return env

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> ServiceSettings:
        """Settings from CASEMINER_* variables; unknown or missing ones keep their defaults."""
        environ = dict(os.environ if environ is None else environ)
        kwargs: dict[str, object] = {}
        for f in fields(cls):
            raw = environ.get(ENV_PREFIX + f.name.upper())
            if raw is None or raw == "":
                continue
            default = getattr(cls, f.name)
            if isinstance(default, bool):
                kwargs[f.name] = raw.strip().lower() in {"1", "true", "yes", "on"}
            elif isinstance(default, int):
                kwargs[f.name] = int(raw)
            elif isinstance(default, float):
                kwargs[f.name] = float(raw)
            else:
                kwargs[f.name] = raw
        return cls(**kwargs)  # type: ignore[arg-type]
