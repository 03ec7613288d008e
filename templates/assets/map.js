/* litreview map: every paper as a dot placed by similarity (map.json), coloured by tag group.
 * Hover shows the title and tags, a click opens the paper; on a topic page its papers stand out. */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var cache = {};

  function draw(box) {
    if (box.dataset.ready) return;
    box.dataset.ready = "1";
    var src = new URL(box.dataset.src, window.location.href).href;
    var root = new URL(box.dataset.root, window.location.href);
    var highlight = box.dataset.highlight || "";
    (cache[src] = cache[src] || fetch(src).then(function (r) { return r.json(); }))
      .then(function (data) { render(box, data, root, highlight); })
      .catch(function () { box.textContent = "The map could not be loaded."; });
  }

  function render(box, data, root, highlight) {
    var size = 600, pad = 12;
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 " + size + " " + size);
    svg.setAttribute("class", "lr-map-svg");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", "Map of " + data.points.length + " papers placed by similarity" +
      (highlight ? ", with the papers of " + (data.tags[highlight] || highlight) + " highlighted" : ""));
    var tip = document.createElement("div");
    tip.className = "lr-map-tip";
    tip.hidden = true;
    var radius = data.points.length > 2000 ? 2.2 : data.points.length > 500 ? 3 : 4.5;
    var ordered = data.points.slice().sort(function (a, b) {
      return (highlight ? (a[4].indexOf(highlight) !== -1) - (b[4].indexOf(highlight) !== -1) : 0);
    });
    ordered.forEach(function (p) {
      var dot = document.createElementNS(SVG, "circle");
      dot.setAttribute("cx", (pad + p[0] * (size - 2 * pad)).toFixed(1));
      dot.setAttribute("cy", (pad + p[1] * (size - 2 * pad)).toFixed(1));
      dot.setAttribute("r", radius);
      var member = !highlight || p[4].indexOf(highlight) !== -1;
      dot.setAttribute("class", "lr-dot lr-group-" + (p[5] % 10) + (member ? "" : " lr-faded") +
        (highlight && member ? " lr-member" : ""));
      dot.addEventListener("mouseenter", function (event) {
        tip.textContent = "";
        var title = document.createElement("strong");
        title.textContent = p[3];
        tip.appendChild(title);
        var tags = document.createElement("span");
        tags.textContent = p[4].map(function (t) { return data.tags[t] || t; }).join(" · ");
        tip.appendChild(tags);
        tip.hidden = false;
        var rect = box.getBoundingClientRect();
        tip.style.left = Math.min(event.clientX - rect.left + 12, rect.width - 260) + "px";
        tip.style.top = (event.clientY - rect.top + 12) + "px";
      });
      dot.addEventListener("mouseleave", function () { tip.hidden = true; });
      dot.addEventListener("click", function () {
        window.location.href = new URL("papers/" + p[2] + "/", root).href;
      });
      svg.appendChild(dot);
    });
    box.textContent = "";
    box.appendChild(svg);
    box.appendChild(tip);
    var legend = document.createElement("ul");
    legend.className = "lr-map-legend";
    data.groups.forEach(function (label, i) {
      var item = document.createElement("li");
      var swatch = document.createElement("span");
      swatch.className = "lr-swatch lr-group-" + (i % 10);
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(label));
      legend.appendChild(item);
    });
    box.appendChild(legend);
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll(".lr-map"), draw);
  }

  window.litreview.onEveryPage(init);
})();
