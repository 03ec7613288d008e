/* litreview paper search: lunr.js over an index built ahead of time, in one of two layouts that
 * search/manifest.json names (generator/search_index.py, generator/search_shards.py):
 *   single:  one lunr index (lunr.Index.load), for small reviews;
 *   sharded: term shards, doc chunks and topic lists fetched when a query needs them; the query's
 *            terms are matched and scored exactly as lunr.Index.query does on the single index.
 * Both are "sources" with the same interface (count, tags, search, docs), so the query, the
 * results, highlighting and paging below are one code path. Loaded on every page; it only acts on
 * the page that has #lr-search. Works with Material's instant navigation and without it. */
(function () {
  "use strict";

  var PAGE = 20;  // results shown at once; "Show more" adds as many
  var MANIFEST_VERSION = 3;  // the layout of search/ this script reads (generator/search_index.py)
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

  function newestFirst(a, b) {
    return a.d < b.d ? 1 : a.d > b.d ? -1 : (a.i < b.i ? -1 : a.i > b.i ? 1 : 0);
  }

  /* A source: {count, tags (id -> label), search(words, tag) -> Promise of refs (best first; with
   * no words, the tag's papers newest first, or none), docs(refs) -> Promise of
   * [{i: id, t: title, g: tag ids}], snippets(refs) -> Promise of the abstract snippets}. A source
   * is ready once docs() needs no download: results are listed as soon as they are ranked. */

  function singleSource(manifest, base) {
    return fetchJson(new URL(manifest.index, base).href).then(function (data) {
      var index = window.lunr.Index.load(data.index);
      function run(terms, presence) {
        return index.query(function (q) { addClauses(q, terms, presence); });
      }
      var newest = Object.keys(data.docs).map(function (ref) {
        return { i: ref, d: data.docs[ref].d || "" };
      }).sort(newestFirst).map(function (doc) { return doc.i; });
      function inTag(tag) {
        return function (ref) { return data.docs[ref].g.indexOf(tag) !== -1; };
      }
      return {
        count: newest.length,
        tags: data.tags,
        search: function (words, tag) {
          var refs = words.length ? refsFor(run, queryTerms(words)) : (tag ? newest : []);
          return Promise.resolve(tag ? refs.filter(inTag(tag)) : refs);
        },
        docs: function (refs) {
          return Promise.resolve(refs.map(function (ref) {
            var doc = data.docs[ref];
            return { i: ref, t: doc.t, g: doc.g };
          }));
        },
        snippets: function (refs) {
          return Promise.resolve(refs.map(function (ref) { return data.docs[ref].s; }));
        }
      };
    });
  }

  function shardedSource(manifest, base) {
    var lunr = window.lunr;
    var fields = manifest.fields.map(function (f) { return f[0]; });
    var boosts = manifest.fields.map(function (f) { return f[1]; });
    var averages = fields.map(function (f) { return manifest.totals[f] / manifest.count; });
    var firsts = manifest.shards.map(function (s) { return s[0]; });
    var shards = {}, chunks = {}, members = {};
    var pipeline = lunr.Pipeline.load(["stemmer"]);  // the search pipeline lunr.py's indexes name
    var postings = Object.create(null);  // term -> per field {papers, scores}, decoded once
    // Every query needs the field lengths (BM25's normalisation), and every result its title:
    // fetch them now, with the page.
    var lengths = cached({}, "lengths", function () {
      return fetchJson(new URL(manifest.lengths, base).href);
    });
    var titles = [];  // [id, title, tag ids] by paper number
    var titleParts = [];
    for (var part = 0; part < manifest.titles; part++) {
      titleParts.push(fetchJson(new URL("titles/" + String(part).padStart(2, "0") + ".json", base).href));
    }

    function url(path) { return new URL(path, base).href; }

    // The shard whose range holds `term`: the last one whose first term is not after it.
    function shardOf(term) {
      var lo = 0, hi = firsts.length - 1;
      while (lo < hi) {
        var mid = (lo + hi + 1) >> 1;
        if (firsts[mid] <= term) lo = mid; else hi = mid - 1;
      }
      return lo;
    }

    function shardsFor(t) {
      var first = shardOf(t.term), out = [first];
      // A prefix's terms run on into every following shard that starts with the prefix.
      for (var i = first + 1; t.prefix && i < firsts.length && firsts[i].lastIndexOf(t.term, 0) === 0; i++) {
        out.push(i);
      }
      return out;
    }

    function loadShard(number) {
      return cached(shards, number, function () {
        return fetchJson(url("terms/" + manifest.shards[number][1] + ".json")).then(function (data) {
          var rows = Object.create(null);
          data.terms.forEach(function (row) { rows[row[0]] = row; });
          return { terms: data.terms.map(function (row) { return row[0]; }), rows: rows };
        });
      });
    }

    // lunr's BM25 weight of a term in each paper's field, computed as lunr.Builder does
    // (createFieldVectors): the shards hold term counts, the manifest and lengths the rest.
    function decode(row, fieldLengths) {
      var perField = [], documentsWithTerm = 0;
      for (var f = 0; f < fields.length; f++) {
        var values = row[f + 1], papers = [], tfs = [], paper = 0;
        for (var j = 0; j < values.length; j++) {
          var v = values[j];
          if (v < 0) {
            tfs[tfs.length - 1] = -v;  // the term occurs -v times in the paper before
          } else {
            paper = papers.length ? paper + v : v;
            papers.push(paper);
            tfs.push(1);
          }
        }
        documentsWithTerm += papers.length;
        perField.push({ papers: papers, tfs: tfs });
      }
      var x = (manifest.count - documentsWithTerm + 0.5) / (documentsWithTerm + 0.5);
      var idf = Math.log(1 + Math.abs(x));
      var k1 = manifest.k1, b = manifest.b;
      return perField.map(function (p, f) {
        var length = fieldLengths[fields[f]];
        return {
          papers: p.papers,
          scores: p.papers.map(function (paper, j) {
            var tf = p.tfs[j];
            var score = idf * ((k1 + 1) * tf) / (k1 * (1 - b + b * (length[paper] / averages[f])) + tf);
            score *= boosts[f];
            return Math.round(score * 1000) / 1000;
          })
        };
      });
    }

    // lunr.Index.prototype.query on the index of `list` (sorted terms; with the postings of all
    // papers, that is the whole index as far as these words go), for the clauses addClauses
    // makes: the same clauses and term expansion (lunr.Query, lunr.TokenSet), the same papers
    // and the same arithmetic in the same order, so the same results and scores. Only lunr's
    // bookkeeping is replaced: it builds a lunr.Set per term and field and copies it at every
    // union, which takes half a second for one common word of 20,000 papers; arrays take ms.
    function lunrQuery(list, terms, presence) {
      var count = manifest.count;
      var q = new lunr.Query(fields);
      addClauses(q, terms, presence);
      var tokenSet = lunr.TokenSet.fromArray(list);
      var position = Object.create(null);
      list.forEach(function (term, i) { position[term] = i; });
      var weights = new Float64Array(list.length);  // the query vector, by term index
      var inQuery = new Uint8Array(list.length);
      var steps = [], stepped = Object.create(null);  // (term, field) in lunr's order, once each
      var required = presence === lunr.Query.presence.REQUIRED;
      var lastClause = new Int32Array(required ? count : 0).fill(-1);
      var clauses = new Uint16Array(required ? count : 0);  // how many clauses each paper matches
      for (var c = 0; c < q.clauses.length; c++) {
        var clause = q.clauses[c];
        var words = clause.usePipeline ? pipeline.runString(clause.term, { fields: clause.fields })
                                       : [clause.term];
        for (var m = 0; m < words.length; m++) {
          clause.term = words[m];
          var expanded = tokenSet.intersect(lunr.TokenSet.fromClause(clause)).toArray();
          if (expanded.length === 0 && required) return [];  // a required word matches nothing
          for (var e = 0; e < expanded.length; e++) {
            var term = expanded[e], i = position[term];
            weights[i] = inQuery[i] ? weights[i] + clause.boost : clause.boost;
            inQuery[i] = 1;
            for (var f = 0; f < fields.length; f++) {
              var papers = postings[term][f].papers;
              for (var j = 0; required && j < papers.length; j++) {
                if (lastClause[papers[j]] !== c) { lastClause[papers[j]] = c; clauses[papers[j]]++; }
              }
              if (!stepped[term + "/" + f]) { stepped[term + "/" + f] = true; steps.push([term, f]); }
            }
          }
        }
      }
      var sumOfSquares = 0;
      for (var t = 0; t < list.length; t++) {
        if (inQuery[t]) sumOfSquares += weights[t] * weights[t];
      }
      var magnitude = Math.sqrt(sumOfSquares);
      // lunr.Vector.dot of the query and each field vector: products summed in term index order.
      var dots = new Float64Array(fields.length * count);
      for (t = 0; t < list.length; t++) {
        if (!inQuery[t]) continue;
        postings[list[t]].forEach(function (p, f) {
          for (var j = 0; j < p.papers.length; j++) {
            dots[f * count + p.papers[j]] += weights[t] * p.scores[j];
          }
        });
      }
      // Each matching field of a paper adds its cosine, in the order lunr first met the field.
      var met = new Uint8Array(fields.length * count), place = new Int32Array(count).fill(-1);
      var results = [];
      steps.forEach(function (step) {
        var p = postings[step[0]][step[1]];
        for (var j = 0; j < p.papers.length; j++) {
          var paper = p.papers[j], key = step[1] * count + paper;
          if (met[key]) continue;
          met[key] = 1;
          if (required && clauses[paper] !== q.clauses.length) continue;
          var score = dots[key] / magnitude || 0;
          if (place[paper] < 0) {
            place[paper] = results.length;
            results.push({ ref: String(paper), score: score });
          } else {
            results[place[paper]].score += score;
          }
        }
      });
      return results.sort(function (a, b) { return b.score - a.score; });
    }

    function wordRefs(words) {
      var terms = queryTerms(words);
      if (terms.length === 0 || firsts.length === 0) return Promise.resolve([]);
      var needed = {};
      terms.forEach(function (t) { shardsFor(t).forEach(function (n) { needed[n] = true; }); });
      var numbers = Object.keys(needed).map(Number);
      return Promise.all([lengths].concat(numbers.map(loadShard))).then(function (loaded) {
        var fieldLengths = loaded[0], found = {};
        terms.forEach(function (t) {
          shardsFor(t).forEach(function (n) {
            var shard = loaded[1 + numbers.indexOf(n)];
            if (!t.prefix) {
              if (shard.rows[t.term]) found[t.term] = shard;
              return;
            }
            shard.terms.forEach(function (term) {
              if (term.lastIndexOf(t.term, 0) === 0) found[term] = shard;
            });
          });
        });
        var list = Object.keys(found).sort();
        list.forEach(function (term) {
          if (!postings[term]) postings[term] = decode(found[term].rows[term], fieldLengths);
        });
        return refsFor(function (t, presence) { return lunrQuery(list, t, presence); }, terms);
      });
    }

    function tagRefs(tag) {
      if (!Object.prototype.hasOwnProperty.call(manifest.tags, tag)) return Promise.resolve([]);
      return cached(members, tag, function () {
        return fetchJson(url("tags/" + tag + ".json")).then(function (refs) { return refs.map(String); });
      });
    }

    return Promise.all([lengths].concat(titleParts)).then(function (loaded) {
      loaded.slice(1).forEach(function (part) { titles = titles.concat(part.docs); });
      return {
        count: manifest.count,
        tags: manifest.tags,
        search: function (words, tag) {
          var found = words.length ? wordRefs(words) : Promise.resolve(null);  // null: no words
          var inTag = tag ? tagRefs(tag) : Promise.resolve(null);
          return Promise.all([found, inTag]).then(function (r) {
            if (r[0] === null) return r[1] || [];
            if (r[1] === null) return r[0];
            var keep = new Set(r[1]);
            return r[0].filter(function (ref) { return keep.has(ref); });
          });
        },
        docs: function (refs) {
          return Promise.resolve(refs.map(function (ref) {
            var doc = titles[Number(ref)];
            return { i: doc[0], t: doc[1], g: doc[2] };
          }));
        },
        snippets: function (refs) {
          var size = manifest.chunk;
          var wanted = {};
          refs.forEach(function (ref) { wanted[Math.floor(Number(ref) / size)] = true; });
          var numbers = Object.keys(wanted).map(Number);
          return Promise.all(numbers.map(function (n) {
            return cached(chunks, n, function () {
              return fetchJson(url("docs/" + String(n).padStart(3, "0") + ".json"));
            });
          })).then(function (loaded) {
            return refs.map(function (ref) {
              var n = Math.floor(Number(ref) / size);
              return loaded[numbers.indexOf(n)].snippets[Number(ref) - n * size];
            });
          });
        }
      };
    });
  }

  function openSource(root) {
    var manifestUrl = new URL(root.dataset.manifest, window.location.href).href;
    return cached(sources, manifestUrl, function () {
      var lunrUrl = new URL(root.dataset.lunr, window.location.href).href;
      var ready = window.lunr ? Promise.resolve() : loadScript(lunrUrl);
      return Promise.all([ready, fetchJson(manifestUrl)]).then(function (r) {
        var manifest = r[1];
        if (manifest.version !== MANIFEST_VERSION) {
          // A review's templates are its own copies: this script is older or newer than the
          // litreview that built the index.
          var error = new Error("The search index is version " + manifest.version + "; this page reads version " +
                                MANIFEST_VERSION + ". Copy templates/assets/search.js from this litreview.");
          error.shown = true;
          throw error;
        }
        if (manifest.mode === "sharded") return shardedSource(manifest, manifestUrl);
        return singleSource(manifest, manifestUrl);
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
    if (state.words.length === 0 && !state.tag) {
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

  function init() {
    var root = document.getElementById("lr-search");
    if (!root || root.dataset.ready) return;
    root.dataset.ready = "1";
    var input = root.querySelector("#lr-query");
    var select = root.querySelector("#lr-tag");
    var more = root.querySelector("#lr-more");
    var params = new URLSearchParams(window.location.search);
    input.value = params.get("query") || "";
    select.value = params.get("tag") || "";
    var latest = 0;  // typing may run ahead of the searches: only the newest one is shown
    var running = null;  // the search under way, if any
    var pending = false;  // the input changed while it ran
    var state = null;  // the search the list shows

    function failed(error) {
      root.querySelector("#lr-status").textContent =
        error && error.shown ? error.message : "The search index could not be loaded.";
    }

    function update() {
      var mine = ++latest;
      var text = input.value, tag = select.value;
      var started = window.performance ? performance.now() : 0;
      function isCurrent() { return mine === latest; }
      return openSource(root).then(function (source) {
        var words = tokens(text);
        return source.search(words, tag).then(function (refs) {
          var next = { source: source, text: text, words: words, tag: tag, refs: refs, shown: 0 };
          return showPage(root, next, isCurrent).then(function () {
            if (!isCurrent()) return;
            try {  // how long the search took, for bench/search_probe.py
              performance.measure("litreview-search", { start: started });
            } catch (e) { /* a browser without User Timing Level 3 */ }
            state = next;
            var url = new URL(window.location.href);
            url.searchParams.delete("query");
            url.searchParams.delete("tag");
            if (text) url.searchParams.set("query", text);
            if (tag) url.searchParams.set("tag", tag);
            window.history.replaceState(window.history.state, "", url.href);
          });
        });
      }).catch(function (error) { if (isCurrent()) failed(error); });
    }

    // Search at once, with no typing pause; keystrokes that come while a search runs are
    // coalesced into one search of the newest input when it ends.
    function search() {
      if (running) {
        pending = true;
        return;
      }
      running = update().then(function () {
        running = null;
        if (pending) {
          pending = false;
          search();
        }
      });
    }

    input.addEventListener("input", search);
    select.addEventListener("change", search);
    if (more) {
      more.addEventListener("click", function () {
        if (!state) return;
        var current = state;
        more.disabled = true;
        showPage(root, current, function () { return state === current; }).then(function (first) {
          more.disabled = false;
          var link = first && first.querySelector("a.lr-result-title");
          if (link) link.focus();  // keyboard users continue at the first new result
        }).catch(function () {
          more.disabled = false;
          failed();
        });
      });
    }
    root.querySelector("form").addEventListener("submit", function (event) { event.preventDefault(); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        var first = root.querySelector("#lr-results a.lr-result-title");
        if (first) window.location.href = first.href;
      }
    });
    search();
    input.focus();
  }

  window.litreview.onEveryPage(init);
})();
