/* litreview comparison tables (templates/pages/_comparison_table.md.j2): sort by a column's
 * heading, filter by words, and, when the page holds only a table's first rows, load the rest
 * from the table's CSV (every paper of the topic with every field) on the first sort or filter.
 * The table is HTML in the page, so it reads without this script. Loaded by the pages that have
 * a table, after it: it runs on each visit (Material's instant navigation runs a page's scripts). */
(function () {
  "use strict";

  var PAGE = 200;  // rows shown at once once the CSV is loaded; "Show more rows" adds as many

  // RFC 4180 CSV (quotes, doubled quotes, newlines inside quotes) into rows of cells.
  function parseCsv(text) {
    var rows = [], row = [], cell = "", quoted = false;
    for (var i = 0; i < text.length; i++) {
      var c = text[i];
      if (quoted) {
        if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; }
        else if (c === '"') quoted = false;
        else cell += c;
      } else if (c === '"') quoted = true;
      else if (c === ",") { row.push(cell); cell = ""; }
      else if (c === "\n" || c === "\r") {
        if (c === "\r" && text[i + 1] === "\n") i++;
        row.push(cell); rows.push(row); row = []; cell = "";
      } else cell += c;
    }
    if (cell !== "" || row.length) { row.push(cell); rows.push(row); }
    return rows;
  }

  function collator() {
    return new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
  }

  // A row as the script keeps it: its cells' sort values and text, and its <tr>.
  function rowOf(tr, keys) {
    var cells = tr.children, values = {}, text = [];
    keys.forEach(function (key, i) {
      var cell = cells[i];
      values[key] = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent;
      text.push(cell.textContent);
    });
    return { tr: tr, values: values, text: text.join(" ").toLowerCase() };
  }

  function cellOf(tag, text, sort) {
    var cell = document.createElement(tag);
    cell.textContent = text;
    if (sort !== undefined && sort !== text) cell.setAttribute("data-sort", sort);
    return cell;
  }

  // A <tr> made from a CSV row (header: the CSV's column names), as the page makes its rows.
  function trOfCsv(table, header, cells) {
    var at = {};
    header.forEach(function (name, i) { at[name] = cells[i] || ""; });
    var tr = document.createElement("tr");
    var th = document.createElement("th");
    th.scope = "row";
    var link = document.createElement("a");
    link.href = new URL(at.page, new URL(table.root.dataset.root, window.location.href)).href;
    link.textContent = at.title;
    th.appendChild(link);
    tr.appendChild(th);
    table.keys.slice(1).forEach(function (key) {
      var text = at[key] || "";
      var unit = table.units[key];
      tr.appendChild(cellOf("td", text && unit ? text + " " + unit : text, text));
    });
    return { tr: tr, at: at };
  }

  function loadAll(table) {
    if (!table.loading) {
      table.loading = fetch(new URL(table.root.dataset.csv, window.location.href).href)
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.text();
        })
        .then(function (text) {
          var rows = parseCsv(text), header = rows.shift(), fields = table.keys.slice(2);
          table.rows = rows.filter(function (cells) { return cells.length > 1; }).map(function (cells) {
            return trOfCsv(table, header, cells);
          }).filter(function (made) {
            return fields.some(function (key) { return made.at[key]; });  // as the page: rows with values
          }).map(function (made) { return rowOf(made.tr, table.keys); });
          table.complete = true;
        });
      table.loading.catch(function () { table.loading = null; });
    }
    return table.loading;
  }

  function show(table) {
    var words = table.filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    var kept = table.rows.filter(function (row) {
      return words.every(function (w) { return row.text.indexOf(w) !== -1; });
    });
    if (table.sortKey) {
      var key = table.sortKey, sign = table.sortDir === "ascending" ? 1 : -1, compare = collator().compare;
      kept.sort(function (a, b) {
        var x = a.values[key], y = b.values[key];
        if (x === "" || y === "") return x === y ? 0 : (x === "" ? 1 : -1);  // empty cells last
        return sign * (table.numeric[key] ? Number(x) - Number(y) : compare(x, y));
      });
    }
    var shown = table.complete ? kept.slice(0, table.limit) : kept;
    var body = table.body;
    body.textContent = "";
    shown.forEach(function (row) { body.appendChild(row.tr); });
    var total = table.complete ? kept.length : shown.length;
    table.status.textContent = (words.length ? total + " of " + table.rows.length + " rows match." :
                                total + (total === 1 ? " paper" : " papers") + " with values.") +
      (shown.length < total ? " The first " + shown.length + " shown." : "");
    table.more.hidden = shown.length >= total;
  }

  function whenComplete(table, then) {
    if (table.complete || Number(table.root.dataset.total) <= table.rows.length) {
      table.complete = true;
      then();
      return;
    }
    table.status.textContent = "Loading every row…";
    loadAll(table).then(then, function () {
      table.status.textContent = "The table's CSV could not be loaded; sorting the rows shown.";
      then();
    });
  }

  function sortBy(table, th) {
    var key = th.getAttribute("data-key");
    table.sortDir = table.sortKey === key && table.sortDir === "ascending" ? "descending" : "ascending";
    table.sortKey = key;
    table.heads.forEach(function (other) { other.setAttribute("aria-sort", other === th ? table.sortDir : "none"); });
    table.limit = PAGE;
    whenComplete(table, function () { show(table); });
  }

  function init(root) {
    if (root.dataset.ready) return;
    root.dataset.ready = "1";
    var heads = Array.prototype.slice.call(root.querySelectorAll("thead th"));
    var table = {
      root: root,
      heads: heads,
      keys: heads.map(function (th) { return th.getAttribute("data-key"); }),
      numeric: {},
      units: {},
      body: root.querySelector("tbody"),
      filter: root.querySelector(".lr-table-filter input"),
      status: root.querySelector(".lr-table-status"),
      more: root.querySelector(".lr-table-more"),
      limit: PAGE,
      complete: false,
      loading: null
    };
    heads.forEach(function (th) {
      var key = th.getAttribute("data-key");
      table.numeric[key] = th.hasAttribute("data-numeric");
      var unit = /\(([^()]+)\)$/.exec(th.textContent.trim());
      if (unit && table.numeric[key]) table.units[key] = unit[1];
      th.querySelector("button").addEventListener("click", function () { sortBy(table, th); });
    });
    table.rows = Array.prototype.map.call(table.body.children, function (tr) { return rowOf(tr, table.keys); });
    var typed = 0;
    table.filter.addEventListener("input", function () {
      var mine = ++typed;
      table.limit = PAGE;
      whenComplete(table, function () { if (mine === typed) show(table); });
    });
    table.more.addEventListener("click", function () {
      table.limit += PAGE;
      show(table);
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll(".lr-table"), init);
})();
