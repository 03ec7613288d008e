/* litreview paper search: lunr.js over an index built ahead of time (lunr.Index.load).
 * Loaded on every page; it only acts on the page that has #lr-search. Works with Material's
 * instant navigation (document$) and without it. */
(function () {
  "use strict";

  var loaded = null; // Promise of {index, docs, tags}, shared by every visit to the page
  var MAX_RESULTS = 50;

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = function () { reject(new Error("could not load " + src)); };
      document.head.appendChild(script);
    });
  }

  function loadIndex(root) {
    if (loaded) return loaded;
    var lunrUrl = new URL(root.dataset.lunr, window.location.href).href;
    var indexUrl = new URL(root.dataset.index, window.location.href).href;
    var ready = window.lunr ? Promise.resolve() : loadScript(lunrUrl);
    loaded = ready
      .then(function () { return fetch(indexUrl); })
      .then(function (response) {
        if (!response.ok) throw new Error("index: HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        return { index: window.lunr.Index.load(data.index), docs: data.docs, tags: data.tags };
      });
    loaded.catch(function () { loaded = null; });
    return loaded;
  }

  function tokens(text) {
    return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(function (t) { return t.length > 0; });
  }

  function query(index, words, presence) {
    var lunr = window.lunr;
    var kept = words.filter(function (word) { return lunr.stopWordFilter(new lunr.Token(word, {})); });
    if (kept.length === 0) return [];
    return index.query(function (q) {
      kept.forEach(function (word, i) {
        if (i < kept.length - 1) {
          q.term(word, { presence: presence, boost: 10 });
        } else {
          var stem = lunr.stemmer(new lunr.Token(word, {})).toString();
          q.term(stem, { presence: presence, usePipeline: false, boost: 1,
                         wildcard: lunr.Query.wildcard.TRAILING });
        }
      });
    });
  }

  function search(data, text, tag) {
    var words = tokens(text);
    var hits;
    if (words.length === 0) {
      hits = Object.keys(data.docs).map(function (ref) { return { ref: ref, score: 0 }; });
      hits.sort(function (a, b) {
        var da = data.docs[a.ref].d || "", db = data.docs[b.ref].d || "";
        return da < db ? 1 : da > db ? -1 : (a.ref < b.ref ? -1 : 1);
      });
    } else {
      // Every word must match (the last one as a prefix, since it may still be being typed);
      // if that finds nothing, any word may match.
      hits = query(data.index, words, window.lunr.Query.presence.REQUIRED);
      if (hits.length === 0) hits = query(data.index, words, window.lunr.Query.presence.OPTIONAL);
    }
    if (tag) hits = hits.filter(function (hit) { return data.docs[hit.ref].g.indexOf(tag) !== -1; });
    return hits;
  }

  function escapeHtml(text) {
    return text.replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function highlight(text, words) {
    // Split the raw text at the matches and escape every piece, so markup in a title or an
    // abstract stays text and <mark> is the only element added.
    if (words.length === 0) return escapeHtml(text);
    var pattern = words.map(function (w) { return w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }).join("|");
    // A match starts a word: after the start or a character that is not a letter or digit
    // (JavaScript's \b knows only ASCII, so "über" would never match).
    var parts = text.split(new RegExp("(^|[^\\p{L}\\p{N}])(" + pattern + ")", "giu"));
    var out = "";
    for (var i = 0; i < parts.length; i++) {
      var kind = i % 3;  // 0: text, 1: the character before a match, 2: the match
      out += kind === 2 ? "<mark>" + escapeHtml(parts[i]) + "</mark>" : escapeHtml(parts[i] || "");
    }
    return out;
  }

  function render(root, data, hits, text) {
    var list = root.querySelector("#lr-results");
    var status = root.querySelector("#lr-status");
    var words = tokens(text);
    var base = new URL(root.dataset.root, window.location.href);
    list.innerHTML = "";
    list.dataset.query = text;  // which query the list shows (typing may be ahead of it)
    hits.slice(0, MAX_RESULTS).forEach(function (hit) {
      var doc = data.docs[hit.ref];
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = new URL("papers/" + hit.ref + "/", base).href;
      link.className = "lr-result-title";
      link.innerHTML = highlight(doc.t, words);
      item.appendChild(link);
      var tags = document.createElement("p");
      tags.className = "lr-result-tags";
      doc.g.forEach(function (tagId) {
        var chip = document.createElement("a");
        chip.className = "lr-tag";
        chip.href = new URL("topics/" + tagId + "/", base).href;
        chip.textContent = data.tags[tagId] || tagId;
        tags.appendChild(chip);
        tags.appendChild(document.createTextNode(" "));
      });
      item.appendChild(tags);
      var snippet = document.createElement("p");
      snippet.className = "lr-result-snippet";
      snippet.innerHTML = highlight(doc.s, words);
      item.appendChild(snippet);
      list.appendChild(item);
    });
    var total = Object.keys(data.docs).length;
    if (words.length === 0 && !root.querySelector("#lr-tag").value) {
      status.textContent = "Type to search " + total + " papers.";
      list.innerHTML = "";
    } else if (hits.length === 0) {
      status.textContent = "No paper matches.";
    } else {
      status.textContent = hits.length + (hits.length === 1 ? " paper" : " papers") +
        (hits.length > MAX_RESULTS ? ", the first " + MAX_RESULTS + " shown." : ".");
    }
  }

  function init() {
    var root = document.getElementById("lr-search");
    if (!root || root.dataset.ready) return;
    root.dataset.ready = "1";
    var input = root.querySelector("#lr-query");
    var select = root.querySelector("#lr-tag");
    var params = new URLSearchParams(window.location.search);
    input.value = params.get("query") || "";  // not "q": Material's own search reads that
    select.value = params.get("tag") || "";
    var timer = null;

    function update() {
      loadIndex(root).then(function (data) {
        render(root, data, search(data, input.value, select.value), input.value);
        var url = new URL(window.location.href);
        url.searchParams.delete("query");
        url.searchParams.delete("tag");
        if (input.value) url.searchParams.set("query", input.value);
        if (select.value) url.searchParams.set("tag", select.value);
        window.history.replaceState(window.history.state, "", url.href);
      }).catch(function () {
        root.querySelector("#lr-status").textContent = "The search index could not be loaded.";
      });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(update, 60);
    });
    select.addEventListener("change", update);
    root.querySelector("form").addEventListener("submit", function (event) { event.preventDefault(); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        var first = root.querySelector("#lr-results a.lr-result-title");
        if (first) window.location.href = first.href;
      }
    });
    update();
    input.focus();
  }

  window.litreview.onEveryPage(init);
})();
