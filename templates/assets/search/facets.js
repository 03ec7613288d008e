/* litreview paper search, the facets (generator/search/facets.py): filter the results by several
 * topics (all of them or any), a year range, venues, authors and the review's fields (choices as
 * checkboxes with counts, numbers as ranges), order them by relevance or date, and keep all of it
 * in the page's URL. Puts `facets` on window.litreviewSearch for assets/search.js, which calls it
 * once the index is open (so this file may load before it).
 *
 * Papers are filtered by their number in search/facets.json (source.number(ref)); the topics need
 * only each result's tags, which the sources have with the page. The columns of search/facets.json
 * are fetched the first time a search needs more, and an author shard when the author filter is
 * used. The URL: query, tag (repeated), match=any, from, to, venue (repeated), author,
 * f.<field> (repeated: its values), f.<field>.min and .max (a range), sort=newest|oldest. */
(function () {
  "use strict";

  var ns = window.litreviewSearch = window.litreviewSearch || {};
  var SORTS = ["relevance", "newest", "oldest"];

  function emptyState() {
    return { text: "", tags: [], match: "all", from: null, to: null, venues: [], author: "",
             values: {}, ranges: {}, sort: "relevance" };
  }

  function number(text) {
    if (text === null || text === undefined || String(text).trim() === "") return null;
    var n = Number(text);
    return isFinite(n) ? n : null;
  }

  function fromUrl(search) {
    var params = new URLSearchParams(search), state = emptyState();
    state.text = params.get("query") || "";
    state.tags = params.getAll("tag").filter(Boolean);
    state.match = params.get("match") === "any" ? "any" : "all";
    state.from = number(params.get("from"));
    state.to = number(params.get("to"));
    state.venues = params.getAll("venue").filter(Boolean);
    state.author = params.get("author") || "";
    state.sort = SORTS.indexOf(params.get("sort")) > 0 ? params.get("sort") : "relevance";
    params.forEach(function (value, key) {
      var m = /^f\.([^.]+)(?:\.(min|max))?$/.exec(key);
      if (!m) return;
      if (m[2]) {
        state.ranges[m[1]] = state.ranges[m[1]] || { min: null, max: null };
        state.ranges[m[1]][m[2]] = number(value);
      } else if (value) {
        (state.values[m[1]] = state.values[m[1]] || []).push(value);
      }
    });
    return state;
  }

  function toUrl(state, href) {
    var url = new URL(href);
    Array.from(url.searchParams.keys()).forEach(function (key) {
      if (/^(query|tag|match|from|to|venue|author|sort)$|^f\./.test(key)) url.searchParams.delete(key);
    });
    var p = url.searchParams;
    if (state.text) p.set("query", state.text);
    state.tags.forEach(function (t) { p.append("tag", t); });
    if (state.match === "any" && state.tags.length > 1) p.set("match", "any");
    if (state.from !== null) p.set("from", String(state.from));
    if (state.to !== null) p.set("to", String(state.to));
    state.venues.forEach(function (v) { p.append("venue", v); });
    if (state.author) p.set("author", state.author);
    Object.keys(state.values).sort().forEach(function (id) {
      state.values[id].forEach(function (v) { p.append("f." + id, v); });
    });
    Object.keys(state.ranges).sort().forEach(function (id) {
      var r = state.ranges[id];
      if (r.min !== null) p.set("f." + id + ".min", String(r.min));
      if (r.max !== null) p.set("f." + id + ".max", String(r.max));
    });
    if (state.sort !== "relevance") p.set("sort", state.sort);
    return url.href;
  }

  // Whether a search must fetch search/facets.json: a filter beyond topics, an order by date, or
  // several topics without words (listed newest first).
  function needsColumns(state, words) {
    var ranges = Object.keys(state.ranges).some(function (id) {
      return state.ranges[id].min !== null || state.ranges[id].max !== null;
    });
    var values = Object.keys(state.values).some(function (id) { return state.values[id].length > 0; });
    return state.from !== null || state.to !== null || state.venues.length > 0 || ranges || values ||
      state.sort !== "relevance" || (!words.length && state.tags.length > 1);
  }

  function isFiltered(state) {
    return countActive(state) > 0;
  }

  function columns(source) {
    var f = source.manifest.facets;
    if (!source.columns) {
      source.columns = ns.fetchJson(new URL(f.file, source.base).href);
      source.columns.catch(function () { source.columns = null; });
    }
    return source.columns;
  }

  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  // The shard of an author (generator/search/facets.py's author_key): their last name's first letter.
  function authorKey(text) {
    var words = fold(text).trim().split(/\s+/);
    var first = (words[words.length - 1] || "").charAt(0);
    return first >= "a" && first <= "z" ? first : "_";
  }

  // The numbers of the papers of every author whose name has each typed word as the start of
  // one of its words ("smith", "j smith", "jane smi").
  function authorPapers(source, text) {
    var key = authorKey(text), f = source.manifest.facets;
    if (f.authors.indexOf(key) === -1) return Promise.resolve(new Set());
    source.authors = source.authors || {};
    var shard = ns.cached(source.authors, key, function () {
      return ns.fetchJson(new URL("authors/" + key + ".json", source.base).href);
    });
    var typed = fold(text).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
    return shard.then(function (data) {
      var found = new Set();
      data.names.forEach(function (name, i) {
        var words = fold(name).split(/[^\p{L}\p{N}]+/u);
        var all = typed.every(function (t) { return words.some(function (w) { return w.lastIndexOf(t, 0) === 0; }); });
        if (all) data.papers[i].forEach(function (n) { found.add(n); });
      });
      return found;
    });
  }

  // One test per active filter, each {facet, keep(ref)}: facet names the filter, so that a
  // facet's counts can leave its own filter out.
  function tests(source, state, cols, authors) {
    var out = [], f = source.manifest.facets;
    if (state.tags.length) {
      var any = state.match === "any";
      out.push({ facet: "tag", keep: function (ref) {
        var has = source.tagsOf(ref);
        return any ? state.tags.some(function (t) { return has.indexOf(t) !== -1; })
                   : state.tags.every(function (t) { return has.indexOf(t) !== -1; });
      } });
    }
    if (state.from !== null || state.to !== null) {
      out.push({ facet: "year", keep: function (ref) {
        var y = cols.year[source.number(ref)];
        return y !== null && (state.from === null || y >= state.from) && (state.to === null || y <= state.to);
      } });
    }
    if (state.venues.length) {
      var venues = new Set(state.venues.map(function (v) { return cols.venues.indexOf(v); }));
      out.push({ facet: "venue", keep: function (ref) { return venues.has(cols.venue[source.number(ref)]); } });
    }
    if (authors) {
      out.push({ facet: "author", keep: function (ref) { return authors.has(source.number(ref)); } });
    }
    f.fields.forEach(function (field) {
      var column = cols && cols.fields[field.id];
      if (!column) return;
      var range = state.ranges[field.id];
      if (field.values === undefined && range && (range.min !== null || range.max !== null)) {
        out.push({ facet: "f." + field.id, keep: function (ref) {
          var v = column[source.number(ref)];
          return v !== null && (range.min === null || v >= range.min) && (range.max === null || v <= range.max);
        } });
      }
      var chosen = state.values[field.id];
      if (field.values !== undefined && chosen && chosen.length) {
        var wanted = new Set(chosen.map(function (v) { return field.values.indexOf(v); }));
        out.push({ facet: "f." + field.id, keep: function (ref) {
          var v = column[source.number(ref)];
          if (v === null) return false;
          return Array.isArray(v) ? v.some(function (x) { return wanted.has(x); }) : wanted.has(v);
        } });
      }
    });
    return out;
  }

  function passes(list, ref, except) {
    for (var i = 0; i < list.length; i++) {
      if (list[i].facet !== except && !list[i].keep(ref)) return false;
    }
    return true;
  }

  function byDate(source, cols, refs, sort) {
    var rank = cols.rank, sign = sort === "oldest" ? -1 : 1;
    return refs.slice().sort(function (a, b) { return sign * (rank[source.number(a)] - rank[source.number(b)]); });
  }

  /* The results of a search: {refs, base, tests}. base: the papers before the filters (the words'
   * results, or every paper when there are no words and a filter), for the counts. */
  function resolve(source, state, words) {
    var noWords = words.length === 0;
    if (noWords && !isFiltered(state)) return Promise.resolve({ refs: [], base: [], tests: [] });  // an order alone lists nothing
    // Without words, the results are listed newest first, which needs the columns' order.
    var wantColumns = needsColumns(state, words) || (noWords && state.author.trim() !== "");
    if (noWords && !wantColumns && !state.author) {
      if (state.tags.length === 0) return Promise.resolve({ refs: [], base: [], tests: [] });
      if (state.tags.length === 1) {
        // A topic's papers in the order of its topic page, as before facets: no columns needed.
        return source.search([], state.tags[0]).then(function (refs) {
          return { refs: refs, base: source.all(), tests: tests(source, state, null, null) };
        });
      }
    }
    var found = noWords ? Promise.resolve(source.all()) : source.search(words, null);
    var cols = wantColumns ? columns(source) : Promise.resolve(source.loadedColumns || null);
    var authors = state.author.trim() ? authorPapers(source, state.author) : Promise.resolve(null);
    return Promise.all([found, cols, authors]).then(function (r) {
      var base = r[0], loaded = r[1];
      if (loaded) source.loadedColumns = loaded;
      var list = tests(source, state, loaded, r[2]);
      var refs = base.filter(function (ref) { return passes(list, ref, null); });
      if (state.sort !== "relevance" || noWords) refs = byDate(source, loaded, refs, state.sort === "oldest" ? "oldest" : "newest");
      return { refs: refs, base: base, tests: list };
    });
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function checkbox(name, value, label, count) {
    var box = el("label", { "class": "lr-facet-option" });
    var input = el("input", { type: "checkbox", name: name, value: value });
    box.appendChild(input);
    box.appendChild(document.createTextNode(" " + label + " "));
    box.appendChild(el("span", { "class": "lr-facet-count", "data-facet": name, "data-value": value }, "(" + count + ")"));
    return box;
  }

  function fieldset(legend, id) {
    var set = el("fieldset", { id: id });
    set.appendChild(el("legend", {}, legend));
    return set;
  }

  function rangeInputs(set, id, names, min, max, unit) {
    var box = el("div", { "class": "lr-range" });
    [["From", names[0], min], ["To", names[1], max]].forEach(function (part) {
      var label = el("label", {}, part[0] + " ");
      var input = el("input", { type: "number", id: id + "-" + part[1], "data-range": part[1], step: "any",
                                placeholder: part[2] === null || part[2] === undefined ? "" : String(part[2]) });
      label.appendChild(input);
      box.appendChild(label);
    });
    if (unit) box.appendChild(el("span", { "class": "lr-facet-count" }, unit));
    set.appendChild(box);
  }

  // The filters' controls, made once from the manifest and the topics.
  function build(grid, source) {
    var f = source.manifest.facets, tagCounts = {};
    source.all().forEach(function (ref) {
      source.tagsOf(ref).forEach(function (t) { tagCounts[t] = (tagCounts[t] || 0) + 1; });
    });
    var topics = fieldset("Topics", "lr-facet-tags");
    var how = el("div", { "class": "lr-match" });
    [["all", "All of them"], ["any", "Any of them"]].forEach(function (m) {
      var label = el("label", {});
      label.appendChild(el("input", { type: "radio", name: "lr-match", value: m[0] }));
      label.appendChild(document.createTextNode(" " + m[1]));
      how.appendChild(label);
    });
    topics.appendChild(how);
    var options = el("div", { "class": "lr-filter-options" });
    Object.keys(source.tags).sort(function (a, b) {
      return source.tags[a].toLowerCase() < source.tags[b].toLowerCase() ? -1 : 1;
    }).forEach(function (id) { options.appendChild(checkbox("tag", id, source.tags[id], tagCounts[id] || 0)); });
    topics.appendChild(options);
    grid.appendChild(topics);
    if (f.years) {
      var years = fieldset("Year", "lr-facet-year");
      rangeInputs(years, "lr-year", ["from", "to"], f.years[0], f.years[1], "");
      grid.appendChild(years);
    }
    if (f.venues.length) {
      var venues = fieldset("Venue", "lr-facet-venue");
      var list = el("div", { "class": "lr-filter-options" });
      f.venues.forEach(function (v) { list.appendChild(checkbox("venue", v[0], v[0], v[1])); });
      venues.appendChild(list);
      grid.appendChild(venues);
    }
    if (f.authors.length) {
      var authors = fieldset("Author", "lr-facet-author");
      var label = el("label", { "for": "lr-author" }, "Name or last name ");
      authors.appendChild(label);
      authors.appendChild(el("input", { type: "text", id: "lr-author", autocomplete: "off", spellcheck: "false" }));
      grid.appendChild(authors);
    }
    f.fields.forEach(function (field) {
      var set = fieldset(field.label, "lr-facet-" + field.id);
      if (field.values === undefined) {
        rangeInputs(set, "lr-f-" + field.id, ["min", "max"], field.min, field.max, field.unit);
        set.setAttribute("data-field", field.id);
      } else {
        var list = el("div", { "class": "lr-filter-options" });
        field.values.forEach(function (v, i) { list.appendChild(checkbox("f." + field.id, v, v, field.counts[i])); });
        set.appendChild(list);
      }
      grid.appendChild(set);
    });
  }

  // The controls as `state` says (after building them, or when the URL changed the state).
  function show(root, state) {
    var grid = root.querySelector("#lr-filter-grid");
    Array.prototype.forEach.call(grid.querySelectorAll("input[type=checkbox]"), function (box) {
      var name = box.name, on;
      if (name === "tag") on = state.tags.indexOf(box.value) !== -1;
      else if (name === "venue") on = state.venues.indexOf(box.value) !== -1;
      else on = (state.values[name.slice(2)] || []).indexOf(box.value) !== -1;
      box.checked = on;
    });
    Array.prototype.forEach.call(grid.querySelectorAll("input[name=lr-match]"), function (r) {
      r.checked = r.value === state.match;
    });
    var from = grid.querySelector("#lr-year-from"), to = grid.querySelector("#lr-year-to");
    if (from) from.value = state.from === null ? "" : String(state.from);
    if (to) to.value = state.to === null ? "" : String(state.to);
    var author = grid.querySelector("#lr-author");
    if (author) author.value = state.author;
    Array.prototype.forEach.call(grid.querySelectorAll("fieldset[data-field]"), function (set) {
      var r = state.ranges[set.getAttribute("data-field")] || { min: null, max: null };
      set.querySelector("[data-range=min]").value = r.min === null ? "" : String(r.min);
      set.querySelector("[data-range=max]").value = r.max === null ? "" : String(r.max);
    });
    root.querySelector("#lr-sort").value = state.sort;
    var select = root.querySelector("#lr-tag");
    if (state.tags.length > 1) root.querySelector("#lr-tag-several").selected = true;
    else select.value = state.tags[0] || "";
    // Open when the state has filters besides one topic (which the select shows).
    if (countActive(state) > (state.tags.length === 1 ? 1 : 0)) root.querySelector("#lr-filters").open = true;
  }

  // The state the controls say (the query and the topic select are read by search.js).
  function read(root, state) {
    var grid = root.querySelector("#lr-filter-grid");
    state.tags = []; state.venues = []; state.values = {}; state.ranges = {};
    Array.prototype.forEach.call(grid.querySelectorAll("input[type=checkbox]:checked"), function (box) {
      if (box.name === "tag") state.tags.push(box.value);
      else if (box.name === "venue") state.venues.push(box.value);
      else (state.values[box.name.slice(2)] = state.values[box.name.slice(2)] || []).push(box.value);
    });
    var any = grid.querySelector("input[name=lr-match][value=any]");
    state.match = any && any.checked ? "any" : "all";
    var from = grid.querySelector("#lr-year-from"), to = grid.querySelector("#lr-year-to");
    state.from = from ? number(from.value) : null;
    state.to = to ? number(to.value) : null;
    var author = grid.querySelector("#lr-author");
    state.author = author ? author.value : "";
    Array.prototype.forEach.call(grid.querySelectorAll("fieldset[data-field]"), function (set) {
      var min = number(set.querySelector("[data-range=min]").value);
      var max = number(set.querySelector("[data-range=max]").value);
      if (min !== null || max !== null) state.ranges[set.getAttribute("data-field")] = { min: min, max: max };
    });
    state.sort = root.querySelector("#lr-sort").value;
    return state;
  }

  function countActive(state) {
    var n = state.tags.length + state.venues.length + (state.from !== null || state.to !== null ? 1 : 0) +
      (state.author ? 1 : 0);
    Object.keys(state.values).forEach(function (id) { n += state.values[id].length; });
    n += Object.keys(state.ranges).length;
    return n;
  }

  // Each checkbox's count: the papers of the search that have its value, with every other
  // filter applied (so that checking it would list that many more, or that many).
  function counts(root, source, found) {
    var base = found.base, list = found.tests, cols = source.loadedColumns, f = source.manifest.facets;
    function tally(facet, valuesOf) {
      var n = {};
      base.forEach(function (ref) {
        if (!passes(list, ref, facet)) return;
        valuesOf(ref).forEach(function (v) { n[v] = (n[v] || 0) + 1; });
      });
      Array.prototype.forEach.call(root.querySelectorAll('.lr-facet-count[data-facet="' + facet + '"]'), function (span) {
        span.textContent = "(" + (n[span.getAttribute("data-value")] || 0) + ")";
      });
    }
    if (!base.length) return;
    tally("tag", function (ref) { return source.tagsOf(ref); });
    if (!cols) return;
    if (f.venues.length) tally("venue", function (ref) {
      var v = cols.venue[source.number(ref)];
      return v >= 0 ? [cols.venues[v]] : [];
    });
    f.fields.forEach(function (field) {
      if (field.values === undefined) return;
      var column = cols.fields[field.id];
      tally("f." + field.id, function (ref) {
        var v = column[source.number(ref)];
        if (v === null) return [];
        return (Array.isArray(v) ? v : [v]).map(function (x) { return field.values[x]; });
      });
    });
  }

  // "Filtered by ..." under the form, with a button that clears every filter.
  function summary(root, state, source, clear) {
    var p = root.querySelector("#lr-active"), parts = [];
    if (state.tags.length) {
      parts.push((state.tags.length > 1 ? (state.match === "any" ? "any of " : "all of ") : "") +
                 state.tags.map(function (t) { return source.tags[t] || t; }).join(", "));
    }
    if (state.from !== null || state.to !== null) {
      parts.push("years " + (state.from === null ? "…" : state.from) + "–" + (state.to === null ? "…" : state.to));
    }
    if (state.venues.length) parts.push("venue " + state.venues.join(" or "));
    if (state.author) parts.push("author " + state.author);
    source.manifest.facets.fields.forEach(function (field) {
      var chosen = state.values[field.id], r = state.ranges[field.id];
      if (chosen && chosen.length) parts.push(field.label + ": " + chosen.join(" or "));
      if (r) parts.push(field.label + " " + (r.min === null ? "…" : r.min) + "–" + (r.max === null ? "…" : r.max));
    });
    p.textContent = "";
    p.hidden = parts.length === 0;
    if (!parts.length) return;
    p.appendChild(document.createTextNode("Filtered by " + parts.join("; ") + ". "));
    var button = el("button", { type: "button", "class": "lr-clear" }, "Clear the filters");
    button.addEventListener("click", clear);
    p.appendChild(button);
  }

  ns.facets = {
    emptyState: emptyState,
    fromUrl: fromUrl,
    toUrl: toUrl,
    resolve: resolve,
    build: build,
    show: show,
    read: read,
    counts: counts,
    summary: summary,
    isFiltered: isFiltered
  };
})();
