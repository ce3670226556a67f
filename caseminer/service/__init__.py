"""caseminer over HTTP: a FastAPI app (``create_app``) served by ``caseminer serve``.

FastAPI and uvicorn are an optional extra (``pip install caseminer[service]``); importing this
package does not import them, so the CLI stays fast. Import ``caseminer.service.app`` for the app.
"""

from caseminer.service.settings import ServiceSettings

__all__ = ["ServiceSettings"]
