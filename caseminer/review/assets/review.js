// caseminer review page: click a table row to light and scroll to its evidence, and back.
(function () {
  "use strict";
  var text = document.getElementById("text");
  var pages = document.getElementById("pages");
  function boxes(id) {
    return pages ? pages.querySelectorAll('.box[data-items="' + id + '"]') : [];
  }
  function pieces(id) {
    var out = [];
    var all = text ? text.querySelectorAll(".hl[data-items]") : [];
    for (var i = 0; i < all.length; i++) {
      if (all[i].getAttribute("data-items").split(" ").indexOf(id) >= 0) out.push(all[i]);
    }
    return out;
  }
  function clear() {
    var lit = document.querySelectorAll(".hl.active, .box.active, tr.item.selected");
    for (var i = 0; i < lit.length; i++) lit[i].classList.remove("active", "selected");
  }
  function select(id, row) {
    clear();
    var found = pieces(id);
    for (var i = 0; i < found.length; i++) found[i].classList.add("active");
    if (row) row.classList.add("selected");
    var drawn = boxes(id);
    for (var j = 0; j < drawn.length; j++) drawn[j].classList.add("active");
    if (pages && !pages.hidden && drawn.length) drawn[0].scrollIntoView({ block: "center" });
    else if (found.length) found[0].scrollIntoView({ block: "center" });
  }
  var buttons = document.querySelectorAll(".views button[data-view]");
  for (var b = 0; b < buttons.length; b++) {
    buttons[b].addEventListener("click", function () {
      var view = this.getAttribute("data-view");
      if (pages) pages.hidden = view !== "pages";
      if (text) text.hidden = view !== "text";
      for (var k = 0; k < buttons.length; k++) buttons[k].classList.toggle("on", buttons[k] === this);
    });
  }
  var hideLit = document.getElementById("hide-lit");
  if (hideLit) {
    hideLit.addEventListener("change", function () {
      document.body.classList.toggle("hide-lit", this.checked);
    });
  }
  if (pages) {
    pages.addEventListener("click", function (e) {
      var box = e.target.closest(".box[data-items]");
      if (!box) return;
      var id = box.getAttribute("data-items");
      var row = document.querySelector('tr.item[data-target="' + id + '"]');
      select(id, row);
      if (row) row.scrollIntoView({ block: "nearest" });
    });
  }
  var rows = document.querySelectorAll("tr.item[data-target]");
  for (var i = 0; i < rows.length; i++) {
    rows[i].addEventListener("click", function () {
      select(this.getAttribute("data-target"), this);
    });
    rows[i].addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        select(this.getAttribute("data-target"), this);
      }
    });
  }
  if (text) {
    text.addEventListener("click", function (e) {
      var piece = e.target.closest(".hl[data-items]");
      if (!piece) return;
      var id = piece.getAttribute("data-items").split(" ")[0];
      var base = id.replace(/-f\d+$/, "");
      var row = document.querySelector('tr.item[data-target="' + base + '"]');
      select(base, row);
      if (row) row.scrollIntoView({ block: "nearest" });
    });
  }
})();
