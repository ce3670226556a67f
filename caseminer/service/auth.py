"""Optional API key: `X-API-Key: <key>` (or `Authorization: Bearer <key>`) when a key is set.

Off by default because the service binds to 127.0.0.1; set `--api-key` or CASEMINER_API_KEY for a
shared deployment. The comparison is constant-time so the key cannot be guessed by timing.
"""

from __future__ import annotations

import hmac

from fastapi import Request, Security
from fastapi.security import APIKeyHeader

from caseminer.service.errors import ServiceError

API_KEY_HEADER = APIKeyHeader(name="X-API-Key", auto_error=False, description="The API key.")


def presented_key(request: Request, header_key: str | None) -> str | None:
    if header_key:
        return header_key
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def require_api_key(
    request: Request, header_key: str | None = Security(API_KEY_HEADER)
) -> None:
    """Dependency: pass when no key is configured or the presented key matches; else 401."""
    expected: str | None = request.app.state.settings.api_key
    if not expected:
        return
    key = presented_key(request, header_key)
    if key is None or not hmac.compare_digest(key.encode(), expected.encode()):
        raise ServiceError(401, "missing or wrong API key (send it in the X-API-Key header)")
