/* litreview paper search: the search page's UI, and what the two index sources share. The page
 * (templates/pages/search.md.j2) loads the sources, assets/search/single.js and
 * assets/search/sharded.js; this file, loaded on every page by mkdocs.yml, reads
 * search/manifest.json (generator/search/) and opens the source of the layout it names:
 *   single:  one lunr index (lunr.Index.load), for small reviews;
 *   sharded: term shards, doc chunks and topic lists fetched when a query needs them; the query's
 *            terms are matched and scored exactly as lunr.Index.query does on the single index.
 * Both are "sources" with the same interface, so the query, the results, highlighting and paging
 * below are one code path. The three files share window.litreviewSearch: the sources register
 * themselves in its `sources`, this file puts the helpers they use on it. It only acts on the
 * page that has #lr-search. Works with Material's instant navigation and without it.
 *
 * A source: {count, tags (id -> label), search(words, tag) -> Promise of refs (best first; with
 * no words, the tag's papers in the order of its topic page, or none), docs(refs) -> Promise of
 * [{i: id, t: title, g: tag ids}], snippets(refs) -> Promise of the abstract snippets, all() ->
 * every ref, number(ref) -> the paper's number in search/facets.json, tagsOf(ref) -> its tag ids}.
 * A source is ready once docs() needs no download: results are listed as soon as they are ranked.
 * The filters, the order and the URL's state are assets/search/facets.js's. */
(function () {
  "use strict";

  var ns = window.litreviewSearch = window.litreviewSearch || {};
  ns.sources = ns.sources || {};
  var PAGE = 20;  // results shown at once; "Show more" adds as many
  var MANIFEST_VERSION = 5;  // the layout of search/ these scripts read (generator/search/common.py)
  // The last word is matched as a prefix (it may still be being typed) once its stem has this
  // many characters: "m*" would expand to thousands of terms (and, sharded, fetch many shards).
  var MIN_PREFIX = 3;
  var sources = {};  // Promise of a source per manifest URL, shared by every visit to the page

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = function () { reject(new Error("could not load " + src)); };
      document.head.appendChild(script);
    });
  }

  function fetchJson(url) {
    return fetch(url).then(function (response) {
      if (!response.ok) throw new Error(url + ": HTTP " + response.status);
      return response.json();
    });
  }

  // One promise per key; a failed load is forgotten so that the next query tries again.
  function cached(cache, key, load) {
    if (!cache[key]) {
      cache[key] = load();
      cache[key].catch(function () { delete cache[key]; });
    }
    return cache[key];
  }

  function tokens(text) {
    return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(function (t) { return t.length > 0; });
  }

  function stem(word) {
    return window.lunr.stemmer(new window.lunr.Token(word, {})).toString();
  }

  // The words lunr looks up (stop words dropped), each with the term it becomes and whether it
  // is matched as a prefix; the sharded source fetches what these terms need.
  function queryTerms(words) {
    var lunr = window.lunr;
    var kept = words.filter(function (word) { return lunr.stopWordFilter(new lunr.Token(word, {})); });
    return kept.map(function (word, i) {
      var term = stem(word);
      return { word: word, term: term, prefix: i === kept.length - 1 && term.length >= MIN_PREFIX };
    });
  }

  // The lunr query of the words: a clause per word, the last one a prefix.
  function addClauses(q, terms, presence) {
    terms.forEach(function (t) {
      if (!t.prefix) {
        q.term(t.word, { presence: presence, boost: 10 });
      } else {
        q.term(t.term, { presence: presence, usePipeline: false, boost: 1,
                         wildcard: window.lunr.Query.wildcard.TRAILING });
      }
    });
  }

  // Every word must match (the last one as a prefix, since it may still be being typed); if that
  // finds nothing, any word may match. `run(terms, presence)` returns lunr's results; this
  // returns their refs, best first.
  function refsFor(run, terms) {
    if (terms.length === 0) return [];
    var hits = run(terms, window.lunr.Query.presence.REQUIRED);
    if (hits.length === 0) hits = run(terms, window.lunr.Query.presence.OPTIONAL);
    return hits.map(function (hit) { return hit.ref; });
  }

  ns.fetchJson = fetchJson;
  ns.cached = cached;
  ns.queryTerms = queryTerms;
  ns.addClauses = addClauses;
  ns.refsFor = refsFor;

  function shownError(message) {
    var error = new Error(message);
    error.shown = true;  // the status line shows the message
    return error;
  }

  function openSource(root) {
    var manifestUrl = new URL(root.dataset.manifest, window.location.href).href;
    return cached(sources, manifestUrl, function () {
      var lunrUrl = new URL(root.dataset.lunr, window.location.href).href;
      var ready = window.lunr ? Promise.resolve() : loadScript(lunrUrl);
      return Promise.all([ready, fetchJson(manifestUrl)]).then(function (r) {
        var manifest = r[1];
        if (manifest.version !== MANIFEST_VERSION) {
          // A review's templates are its own copies: these scripts are older or newer than the
          // litreview that built the index.
          throw shownError("The search index is version " + manifest.version + "; this page reads version " +
                           MANIFEST_VERSION + ". Copy templates/assets/search.js and templates/assets/search/ " +
                           "from this litreview.");
        }
        var open = Object.prototype.hasOwnProperty.call(ns.sources, manifest.mode) && ns.sources[manifest.mode];
        if (!open) {
          // A review's copy of the search page older than its copy of this script.
          throw shownError("This page does not load the script of the " + manifest.mode + " search index. " +
                           "Copy templates/assets/search/ and templates/pages/search.md.j2 from this litreview.");
        }
        return open(manifest, manifestUrl).then(function (source) {
          source.manifest = manifest;  // the facets (assets/search/facets.js) read it
          source.base = manifestUrl;
          return source;
        });
      });
    });
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

  function resultItem(source, doc, words, base) {
    var item = document.createElement("li");
    var link = document.createElement("a");
    link.href = new URL("papers/" + doc.i + "/", base).href;
    link.className = "lr-result-title";
    link.innerHTML = highlight(doc.t, words);
    item.appendChild(link);
    var tags = document.createElement("p");
    tags.className = "lr-result-tags";
    doc.g.forEach(function (tagId) {
      var chip = document.createElement("a");
      chip.className = "lr-tag";
      chip.href = new URL("topics/" + tagId + "/", base).href;
      chip.textContent = source.tags[tagId] || tagId;
      tags.appendChild(chip);
      tags.appendChild(document.createTextNode(" "));
    });
    item.appendChild(tags);
    var snippet = document.createElement("p");
    snippet.className = "lr-result-snippet";  // filled in by fillSnippets
    item.appendChild(snippet);
    return item;
  }

  // The abstract snippets of a page of results, once they have arrived (sharded: fetched in doc
  // chunks after the titles are listed). The list's data-snippets then names the query.
  function fillSnippets(list, state, refs, items) {
    state.source.snippets(refs).then(function (snippets) {
      items.forEach(function (item, k) {
        item.querySelector(".lr-result-snippet").innerHTML = highlight(snippets[k] || "", state.words);
      });
      if (items.length && items[0].parentNode === list) list.dataset.snippets = state.text;
    }).catch(function () { /* the titles stay listed; the next query tries again */ });
  }

  function showStatus(root, state) {
    var status = root.querySelector("#lr-status");
    var more = root.querySelector("#lr-more");
    var total = state.refs.length;
    if (state.words.length === 0 && !ns.facets.isFiltered(state.query)) {
      status.textContent = "Type to search " + state.source.count + " papers.";
    } else if (total === 0) {
      status.textContent = "No paper matches.";
    } else {
      status.textContent = total + (total === 1 ? " paper" : " papers") +
        (state.shown < total ? ", the first " + state.shown + " shown." : ".");
    }
    if (more) more.hidden = state.shown >= total;
  }

  // Add the documents of `state.refs` from `state.shown` on (a page of them) to the list; returns
  // the first item added, or null when a newer search has replaced `state` meanwhile.
  function showPage(root, state, isCurrent) {
    var refs = state.refs.slice(state.shown, state.shown + PAGE);
    return state.source.docs(refs).then(function (docs) {
      if (!isCurrent()) return null;
      var list = root.querySelector("#lr-results");
      var base = new URL(root.dataset.root, window.location.href);
      if (state.shown === 0) {
        list.innerHTML = "";
        list.dataset.query = state.text;  // which query the list shows (typing may be ahead of it)
      }
      var items = docs.map(function (doc) {
        var item = resultItem(state.source, doc, state.words, base);
        list.appendChild(item);
        return item;
      });
      state.shown += docs.length;
      showStatus(root, state);
      fillSnippets(list, state, refs, items);
      return items.length ? items[0] : null;
    });
  }

  function failed(root, error) {
    root.querySelector("#lr-status").textContent =
      error && error.shown ? error.message : "The search index could not be loaded.";
  }

  function measureSearch(started) {
    try {  // how long the search took, for bench/search_probe.py
      performance.measure("litreview-search", { start: started });
    } catch (e) { /* a browser without User Timing Level 3 */ }
  }

  // The search's whole state in the page's URL (assets/search/facets.js says how), so that a view
  // can be shared; replaced rather than pushed, as typing changes it on every keystroke.
  function rememberQuery(query) {
    var href = ns.facets.toUrl(query, window.location.href);
    if (href !== window.location.href) window.history.replaceState(window.history.state, "", href);
  }

  // The filters' controls, made the first time the index is open.
  function ensureFilters(view, source) {
    if (view.built) return;
    view.built = true;
    var root = view.root, grid = root.querySelector("#lr-filter-grid");
    if (!grid || !source.manifest.facets) return;
    ns.facets.build(grid, source);
    ns.facets.show(root, view.query);
    function changed() {
      ns.facets.read(root, view.query);
      var select = root.querySelector("#lr-tag");
      if (view.query.tags.length > 1) root.querySelector("#lr-tag-several").selected = true;
      else select.value = view.query.tags[0] || "";
      view.search();
    }
    grid.addEventListener("change", changed);
    grid.addEventListener("input", function (event) {
      if (event.target.type === "number" || event.target.type === "text") changed();
    });
  }

  // Search for the query of `view` (its words and filters) and list the results. Typing may run
  // ahead of the searches: only the newest one is shown. view.state is then the search the list
  // shows.
  function update(view) {
    var mine = ++view.latest, root = view.root;
    var query = JSON.parse(JSON.stringify(view.query));
    var started = window.performance ? performance.now() : 0;
    function isCurrent() { return mine === view.latest; }
    return openSource(root).then(function (source) {
      ensureFilters(view, source);
      var words = tokens(query.text);
      return ns.facets.resolve(source, query, words).then(function (found) {
        var next = { source: source, text: query.text, words: words, query: query, refs: found.refs, shown: 0 };
        return showPage(root, next, isCurrent).then(function () {
          if (!isCurrent()) return;
          measureSearch(started);
          view.state = next;
          rememberQuery(query);
          root.dataset.searched = String(mine);  // a search was listed (bench/search_probe.py waits for it)
          ns.facets.summary(root, query, source, function () { view.clear(); });
          // After the list is shown: each checkbox's count among these results.
          window.setTimeout(function () { if (isCurrent()) ns.facets.counts(root, source, found); }, 0);
        });
      });
    }).catch(function (error) { if (isCurrent()) failed(root, error); });
  }

  // `run` (which never fails) at once, with no typing pause; calls that come while it runs are
  // coalesced into one run when it ends.
  function coalesced(run) {
    var running = null;  // the run under way, if any
    var pending = false;  // called again while it ran
    return function again() {
      if (running) {
        pending = true;
        return;
      }
      running = run().then(function () {
        running = null;
        if (pending) {
          pending = false;
          again();
        }
      });
    };
  }

  function bindMore(view) {
    var more = view.root.querySelector("#lr-more");
    if (!more) return;
    more.addEventListener("click", function () {
      if (!view.state) return;
      var current = view.state;
      more.disabled = true;
      showPage(view.root, current, function () { return view.state === current; }).then(function (first) {
        more.disabled = false;
        var link = first && first.querySelector("a.lr-result-title");
        if (link) link.focus();  // keyboard users continue at the first new result
      }).catch(function () {
        more.disabled = false;
        failed(view.root);
      });
    });
  }

  function init() {
    var root = document.getElementById("lr-search");
    if (!root || root.dataset.ready) return;
    root.dataset.ready = "1";
    var input = root.querySelector("#lr-query");
    var select = root.querySelector("#lr-tag");
    var sort = root.querySelector("#lr-sort");
    if (!ns.facets) {  // a review's copy of the search page older than its copy of this script
      root.querySelector("#lr-status").textContent = "This page does not load assets/search/facets.js. " +
        "Copy templates/pages/search.md.j2 and templates/assets/search/ from this litreview.";
      return;
    }
    var several = root.querySelector("#lr-tag-several");
    var view = { root: root, latest: 0, state: null, built: false,
                 query: ns.facets.fromUrl(window.location.search) };
    input.value = view.query.text;
    if (view.query.tags.length > 1 && several) several.selected = true;
    else select.value = view.query.tags[0] || "";
    if (sort) sort.value = view.query.sort;
    view.search = coalesced(function () { return update(view); });
    view.clear = function () {
      var text = view.query.text, order = view.query.sort;
      view.query = ns.facets.emptyState();
      view.query.text = text;
      view.query.sort = order;
      if (view.built) ns.facets.show(root, view.query);
      view.search();
    };
    input.addEventListener("input", function () {
      view.query.text = input.value;
      view.search();
    });
    select.addEventListener("change", function () {
      view.query.tags = select.value ? [select.value] : [];
      if (view.built) ns.facets.show(root, view.query);
      view.search();
    });
    if (sort) {
      sort.addEventListener("change", function () {
        view.query.sort = sort.value;
        view.search();
      });
    }
    bindMore(view);
    root.querySelector("form").addEventListener("submit", function (event) { event.preventDefault(); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        var first = root.querySelector("#lr-results a.lr-result-title");
        if (first) window.location.href = first.href;
      }
    });
    view.search();
    input.focus();
  }

  window.litreview.onEveryPage(init);
})();
