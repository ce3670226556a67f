"""The GET /v1/view page: a form that posts a report and shows the review page, key or no key.

Why the service has its own form: with `--api-key` set, a plain HTML form cannot send the
X-API-Key header, so a browser could not use /v1/view at all. When a key is required the page
asks for it once, keeps it in the page's memory only (no cookie, no storage: closing the tab
forgets it), posts with fetch() and the header, and shows each review page in a sandboxed frame
below the form, so several reports can be viewed with one entry of the key. Without a key the form
posts the usual way and needs no script. The page itself holds no data, so GET needs no key.
"""

from __future__ import annotations

from html import escape

FORM = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none';
 style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; connect-src 'self';
 frame-src 'self'; form-action 'self'">
<title>caseminer review</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; margin: 1.5rem; }
textarea { width: 100%; max-width: 60rem; }
iframe { width: 100%; height: 85vh; border: 1px solid #ccc; }
#status { color: #a00; } .key { background: #fff8e0; padding: .5rem; max-width: 60rem; }
</style>
</head>
<body>
<h1>caseminer review</h1>
<form id="view" method="post" action="$action" enctype="multipart/form-data">
$key_field
  <p><label>Case report file (.txt, .md, .pdf): <input type="file" name="file"></label></p>
  <p><label>or paste the text:<br><textarea name="text" rows="16" cols="100"></textarea></label></p>
  <p><button type="submit">Show the review page</button> <span id="status"></span></p>
</form>
$script
</body>
</html>
"""

KEY_FIELD = """  <p class="key"><label>API key (this service requires one; kept in this page only,
  sent as the X-API-Key header):
  <input type="password" id="api-key" autocomplete="off" required></label></p>"""

SCRIPT = """<iframe id="result" title="review page" sandbox="allow-scripts" hidden></iframe>
<script>
(function () {
  var form = document.getElementById("view"), status = document.getElementById("status");
  var frame = document.getElementById("result"), keyInput = document.getElementById("api-key");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = new FormData(form);
    var file = body.get("file");
    if (file && !file.size) { body.delete("file"); }
    status.textContent = "extracting...";
    fetch(form.action, { method: "POST", body: body, headers: { "X-API-Key": keyInput.value } })
      .then(function (resp) {
        return resp.text().then(function (text) { return { resp: resp, text: text }; });
      })
      .then(function (r) {
        if (!r.resp.ok) {
          var message = r.text;
          try { message = JSON.parse(r.text).error.message; } catch (e) {}
          status.textContent = r.resp.status + ": " + message;
          return;
        }
        status.textContent = "";
        frame.srcdoc = r.text;
        frame.hidden = false;
      })
      .catch(function (e) { status.textContent = "request failed: " + e; });
  });
})();
</script>"""


def render_view_form(action: str = "/v1/view", *, key_required: bool = False) -> str:
    """The form page; with `key_required` it takes the key and posts with the X-API-Key header."""
    return (
        FORM.replace("$action", escape(action, quote=True))
        .replace("$key_field", KEY_FIELD if key_required else "")
        .replace("$script", SCRIPT if key_required else "")
    )
