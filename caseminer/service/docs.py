"""/docs that works offline: Swagger UI served from an installed package, never from a CDN.

Why: FastAPI's default /docs page loads Swagger UI's script and stylesheet from a CDN, so on a
machine without internet (a hospital network, a laptop on a train) it is a blank page. The
`swagger-ui-bundle-v2` package (in the `service` extra) ships Swagger UI's files; they are served
from /docs/assets/. Without that package, /docs is a small self-contained page that lists the
routes from /openapi.json, so the page is never blank and never reaches outside the service.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse

from caseminer.service.errors import ServiceError

ASSETS_URL = "/docs/assets"
ASSETS = {  # the files the page needs, and nothing else from the package
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
}


def swagger_ui_dir() -> Path | None:
    """The folder of Swagger UI's files when swagger-ui-bundle-v2 is installed, else None."""
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:
        return None
    folder = Path(str(swagger_ui_path))
    return folder if (folder / "swagger-ui-bundle.js").is_file() else None


def swagger_page(title: str, openapi_url: str) -> str:
    """Swagger UI's page with every asset on this service (no validator badge: it calls out)."""
    from fastapi.openapi.docs import get_swagger_ui_html

    response = get_swagger_ui_html(
        openapi_url=openapi_url,
        title=f"{title} - API docs",
        swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_URL}/favicon-32x32.png",
        swagger_ui_parameters={"validatorUrl": None},
    )
    return bytes(response.body).decode("utf-8")


FALLBACK = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none';
 style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'">
<title>$title - API docs</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; }
code { background: #f2f2f2; padding: 0 .25em; }
.op { border-top: 1px solid #ddd; padding: .5rem 0; }
.method { font-weight: bold; text-transform: uppercase; display: inline-block; width: 4.5em; }
</style>
</head>
<body>
<h1>$title API</h1>
<p>The machine-readable spec is <a href="$openapi_url">$openapi_url</a>. Install the
<code>service</code> extra (<code>swagger-ui-bundle-v2</code>) for the interactive page.</p>
<div id="ops">Loading the spec...</div>
<script>
fetch("$openapi_url").then(function (r) { return r.json(); }).then(function (spec) {
  var ops = document.getElementById("ops");
  ops.textContent = "";
  Object.keys(spec.paths).forEach(function (path) {
    Object.keys(spec.paths[path]).forEach(function (method) {
      var op = spec.paths[path][method], div = document.createElement("div");
      div.className = "op";
      var m = document.createElement("span"); m.className = "method"; m.textContent = method;
      var p = document.createElement("code"); p.textContent = path;
      var d = document.createElement("p"); d.textContent = op.description || op.summary || "";
      div.appendChild(m); div.appendChild(p); div.appendChild(d); ops.appendChild(div);
    });
  });
}).catch(function (e) { document.getElementById("ops").textContent = "Cannot load: " + e; });
</script>
</body>
</html>
"""


def fallback_page(title: str, openapi_url: str) -> str:
    """A self-contained page listing the routes (used when Swagger UI is not installed)."""
    return FALLBACK.replace("$title", escape(title)).replace(
        "$openapi_url", escape(openapi_url, quote=True)
    )


def install_docs(app: FastAPI) -> None:
    """Add /docs (and its assets) to an app built with docs_url=None, redoc_url=None."""
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        if swagger_ui_dir() is None:
            return HTMLResponse(fallback_page(app.title, openapi_url))
        return HTMLResponse(swagger_page(app.title, openapi_url))

    @app.get(f"{ASSETS_URL}/{{name}}", include_in_schema=False)
    async def docs_asset(name: str) -> FileResponse:
        folder = swagger_ui_dir()
        if folder is None or name not in ASSETS:
            raise ServiceError(404, f"no such docs asset: {name}")
        return FileResponse(folder / name, media_type=ASSETS[name])
