"""The review page: one CaseReport as a self-contained HTML page (no external JS/CSS).

render_html(report, text=None) -> str      # text defaults to report.document.text
render_form(action="/v1/view") -> str      # the upload form the service shows at GET /v1/view
"""

from caseminer.review.render import render_form, render_html

__all__ = ["render_html", "render_form"]
