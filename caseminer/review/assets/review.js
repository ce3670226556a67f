// caseminer review page: click a table row to light and scroll to its evidence, and back.
(function () {
  "use strict";
  var text = document.getElementById("text");
  function pieces(id) {
    var out = [];
    var all = text ? text.querySelectorAll(".hl[data-items]") : [];
    for (var i = 0; i < all.length; i++) {
      if (all[i].getAttribute("data-items").split(" ").indexOf(id) >= 0) out.push(all[i]);
    }
    return out;
  }
  function clear() {
    var lit = document.querySelectorAll(".hl.active, tr.item.selected");
    for (var i = 0; i < lit.length; i++) lit[i].classList.remove("active", "selected");
  }
  function select(id, row) {
    clear();
    var found = pieces(id);
    for (var i = 0; i < found.length; i++) found[i].classList.add("active");
    if (row) row.classList.add("selected");
    if (found.length) found[0].scrollIntoView({ block: "center" });
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
