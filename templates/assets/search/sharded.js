/* litreview paper search, the sharded layout (generator/search/sharded.py): term shards, doc
 * chunks and topic lists fetched when a query needs them. A query's terms are matched and scored
 * exactly as lunr.Index.query does on the single index: the functions below that say "mirrors"
 * follow lunr 2.3.9's code (the lunr.js MkDocs ships, which lunr.py writes indexes for; see
 * LUNR_VERSION, which tests/test_search_order.py checks against that lunr.js). Registers
 * window.litreviewSearch.sources.sharded, a source as assets/search.js describes them; uses the
 * helpers search.js puts on the same object (called only once search.js has opened the index,
 * so this file may load before it). */
(function () {
  "use strict";

  var LUNR_VERSION = "2.3.9";  // the lunr.js whose query and scoring code this file mirrors
  var ns = window.litreviewSearch = window.litreviewSearch || {};
  ns.sources = ns.sources || {};

  /* The index as far as it is loaded ("ix" below): the manifest's parameters, the shards, doc
   * chunks and topic lists fetched so far, and the postings of the terms decoded so far. */
  function openIndex(manifest, base) {
    if (window.lunr.version !== LUNR_VERSION) {
      console.warn("litreview search: lunr " + window.lunr.version + " is loaded; the sharded index " +
                   "mirrors lunr " + LUNR_VERSION + ", so its results may differ from the single index's");
    }
    var fields = manifest.fields.map(function (f) { return f[0]; });
    return {
      manifest: manifest,
      base: base,
      fields: fields,
      boosts: manifest.fields.map(function (f) { return f[1]; }),
      averages: fields.map(function (f) { return manifest.totals[f] / manifest.count; }),
      firsts: manifest.shards.map(function (s) { return s[0]; }),
      shards: {},
      chunks: {},
      members: {},
      pipeline: window.lunr.Pipeline.load(["stemmer"]),  // the search pipeline lunr.py's indexes name
      postings: Object.create(null),  // term -> per field {papers, scores}
      // Every query needs the field lengths (BM25's normalisation): fetched with the page.
      lengths: ns.fetchJson(new URL(manifest.lengths, base).href),
      titles: []  // [id, title, tag ids] by paper number
    };
  }

  function url(ix, path) { return new URL(path, ix.base).href; }

  // The shard whose range holds `term`: the last one whose first term is not after it.
  function shardOf(ix, term) {
    var lo = 0, hi = ix.firsts.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (ix.firsts[mid] <= term) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  function shardsFor(ix, t) {
    var first = shardOf(ix, t.term), out = [first];
    // A prefix's terms run on into every following shard that starts with the prefix.
    for (var i = first + 1; t.prefix && i < ix.firsts.length && ix.firsts[i].lastIndexOf(t.term, 0) === 0; i++) {
      out.push(i);
    }
    return out;
  }

  function loadShard(ix, number) {
    return ns.cached(ix.shards, number, function () {
      return ns.fetchJson(url(ix, "terms/" + ix.manifest.shards[number][1] + ".json")).then(function (data) {
        var rows = Object.create(null);
        data.terms.forEach(function (row) { rows[row[0]] = row; });
        return { terms: data.terms.map(function (row) { return row[0]; }), rows: rows };
      });
    });
  }

  // A term's papers in one field and how often it occurs in each: [3, 4, -2, 10] is paper 3
  // once, paper 7 twice, paper 17 once (encode_postings in generator/search/sharded.py).
  function decodeCounts(values) {
    var papers = [], tfs = [], paper = 0;
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
    return { papers: papers, tfs: tfs };
  }

  // A term's weight in each paper's fields. Mirrors lunr 2.3.9's
  // lunr.Builder.prototype.createFieldVectors (BM25 with the field boost, rounded to 3 decimals)
  // and lunr.idf: the shards hold term counts, the manifest and the lengths the rest.
  function fieldScores(ix, row, fieldLengths) {
    var m = ix.manifest, k1 = m.k1, b = m.b;
    var perField = ix.fields.map(function (f, i) { return decodeCounts(row[i + 1]); });
    var documentsWithTerm = 0;
    perField.forEach(function (p) { documentsWithTerm += p.papers.length; });
    var x = (m.count - documentsWithTerm + 0.5) / (documentsWithTerm + 0.5);
    var idf = Math.log(1 + Math.abs(x));
    return perField.map(function (p, f) {
      var length = fieldLengths[ix.fields[f]];
      return {
        papers: p.papers,
        scores: p.papers.map(function (paper, j) {
          var tf = p.tfs[j];
          var score = idf * ((k1 + 1) * tf) / (k1 * (1 - b + b * (length[paper] / ix.averages[f])) + tf);
          score *= ix.boosts[f];
          return Math.round(score * 1000) / 1000;
        })
      };
    });
  }

  // One term of the index that a clause matches. Mirrors the body of the expanded-terms loop of
  // lunr 2.3.9's lunr.Index.prototype.query: the clause's boost added to the query vector
  // (lunr.Vector.upsert), the papers matching the clause (REQUIRED), and each (term, field) pair
  // noted once, in the order lunr first meets it.
  function addTerm(ix, match, term, clauseNumber, boost) {
    var i = match.position[term];
    match.weights[i] = match.inQuery[i] ? match.weights[i] + boost : boost;
    match.inQuery[i] = 1;
    for (var f = 0; f < ix.fields.length; f++) {
      var papers = ix.postings[term][f].papers;
      for (var j = 0; match.required && j < papers.length; j++) {
        if (match.lastClause[papers[j]] !== clauseNumber) {
          match.lastClause[papers[j]] = clauseNumber;
          match.clauses[papers[j]]++;
        }
      }
      if (!match.stepped[term + "/" + f]) {
        match.stepped[term + "/" + f] = true;
        match.steps.push([term, f]);
      }
    }
  }

  // The terms of `list` (sorted) that the clauses of `q` match. Mirrors the clause loop of
  // lunr 2.3.9's lunr.Index.prototype.query: each clause's term through the search pipeline
  // (unless the clause says not to), expanded against the index's terms with lunr.TokenSet.
  // Returns null when a REQUIRED clause matches no term (lunr then returns no result).
  function matchClauses(ix, list, q, required) {
    var lunr = window.lunr, count = ix.manifest.count;
    var match = {
      position: Object.create(null), weights: new Float64Array(list.length),
      inQuery: new Uint8Array(list.length), steps: [], stepped: Object.create(null), required: required,
      lastClause: new Int32Array(required ? count : 0).fill(-1),
      clauses: new Uint16Array(required ? count : 0)  // how many clauses each paper matches
    };
    list.forEach(function (term, i) { match.position[term] = i; });
    var tokenSet = lunr.TokenSet.fromArray(list);
    for (var c = 0; c < q.clauses.length; c++) {
      var clause = q.clauses[c];
      var words = clause.usePipeline ? ix.pipeline.runString(clause.term, { fields: clause.fields })
                                     : [clause.term];
      for (var w = 0; w < words.length; w++) {
        clause.term = words[w];
        var expanded = tokenSet.intersect(lunr.TokenSet.fromClause(clause)).toArray();
        if (expanded.length === 0 && required) return null;
        for (var e = 0; e < expanded.length; e++) addTerm(ix, match, expanded[e], c, clause.boost);
      }
    }
    return match;
  }

  // lunr.Vector.dot of the query vector and each paper's field vectors: the products summed in
  // term index order, as lunr 2.3.9's lunr.Vector.prototype.dot sums them. By field, then paper.
  function fieldDots(ix, list, match) {
    var count = ix.manifest.count, dots = new Float64Array(ix.fields.length * count);
    for (var t = 0; t < list.length; t++) {
      if (!match.inQuery[t]) continue;
      ix.postings[list[t]].forEach(function (p, f) {
        for (var j = 0; j < p.papers.length; j++) {
          dots[f * count + p.papers[j]] += match.weights[t] * p.scores[j];
        }
      });
    }
    return dots;
  }

  // The results and their scores. Mirrors the scoring loop of lunr 2.3.9's
  // lunr.Index.prototype.query: each matching field of a paper adds its cosine similarity
  // (lunr.Vector.similarity: the dot product over the query vector's magnitude, as
  // lunr.Vector.prototype.magnitude sums it), in the order lunr first met the field; papers
  // missing a REQUIRED clause are left out; best first.
  function rankPapers(ix, list, match, clauseCount) {
    var count = ix.manifest.count, dots = fieldDots(ix, list, match), sumOfSquares = 0;
    for (var t = 0; t < list.length; t++) {
      if (match.inQuery[t]) sumOfSquares += match.weights[t] * match.weights[t];
    }
    var magnitude = Math.sqrt(sumOfSquares);
    var met = new Uint8Array(ix.fields.length * count), place = new Int32Array(count).fill(-1);
    var results = [];
    match.steps.forEach(function (step) {
      var p = ix.postings[step[0]][step[1]];
      for (var j = 0; j < p.papers.length; j++) {
        var paper = p.papers[j], key = step[1] * count + paper;
        if (met[key]) continue;
        met[key] = 1;
        if (match.required && match.clauses[paper] !== clauseCount) continue;
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

  // lunr.Index.prototype.query (lunr 2.3.9) on the index of `list` (sorted terms; with the
  // postings of all papers, that is the whole index as far as these words go), for the clauses
  // search.js's addClauses makes: the same clauses and term expansion, the same papers and the
  // same arithmetic in the same order, so the same results and scores. Only lunr's bookkeeping
  // is replaced: it builds a lunr.Set per term and field and copies it at every union, which is
  // slow for a common word of a large review; typed arrays indexed by paper are not.
  function lunrQuery(ix, list, terms, presence) {
    var lunr = window.lunr;
    var q = new lunr.Query(ix.fields);
    ns.addClauses(q, terms, presence);
    var match = matchClauses(ix, list, q, presence === lunr.Query.presence.REQUIRED);
    return match === null ? [] : rankPapers(ix, list, match, q.clauses.length);
  }

  // The terms of the loaded shards that the query's terms match (a prefix: every term it
  // starts), sorted as lunr sorts them, with their postings decoded (once per term).
  function indexTerms(ix, terms, shardByNumber, fieldLengths) {
    var found = Object.create(null);
    terms.forEach(function (t) {
      shardsFor(ix, t).forEach(function (n) {
        var shard = shardByNumber[n];
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
      if (!ix.postings[term]) ix.postings[term] = fieldScores(ix, found[term].rows[term], fieldLengths);
    });
    return list;
  }

  function wordRefs(ix, words) {
    var terms = ns.queryTerms(words);
    if (terms.length === 0 || ix.firsts.length === 0) return Promise.resolve([]);
    var needed = {};
    terms.forEach(function (t) { shardsFor(ix, t).forEach(function (n) { needed[n] = true; }); });
    var numbers = Object.keys(needed).map(Number);
    return Promise.all([ix.lengths].concat(numbers.map(function (n) { return loadShard(ix, n); })))
      .then(function (loaded) {
        var shardByNumber = {};
        numbers.forEach(function (n, k) { shardByNumber[n] = loaded[1 + k]; });
        var list = indexTerms(ix, terms, shardByNumber, loaded[0]);
        return ns.refsFor(function (t, presence) { return lunrQuery(ix, list, t, presence); }, terms);
      });
  }

  // A topic's papers in the order of its topic page (search/tags/<tag>.json, as the generator
  // lists them).
  function tagRefs(ix, tag) {
    if (!Object.prototype.hasOwnProperty.call(ix.manifest.tags, tag)) return Promise.resolve([]);
    return ns.cached(ix.members, tag, function () {
      return ns.fetchJson(url(ix, "tags/" + tag + ".json")).then(function (refs) { return refs.map(String); });
    });
  }

  function search(ix, words, tag) {
    var found = words.length ? wordRefs(ix, words) : Promise.resolve(null);  // null: no words
    var inTag = tag ? tagRefs(ix, tag) : Promise.resolve(null);
    return Promise.all([found, inTag]).then(function (r) {
      if (r[0] === null) return r[1] || [];
      if (r[1] === null) return r[0];
      var keep = new Set(r[1]);
      return r[0].filter(function (ref) { return keep.has(ref); });
    });
  }

  // The abstract snippets of `refs`, from the doc chunks that hold them (fetched once each).
  function snippets(ix, refs) {
    var size = ix.manifest.chunk, wanted = {};
    refs.forEach(function (ref) { wanted[Math.floor(Number(ref) / size)] = true; });
    var numbers = Object.keys(wanted).map(Number);
    return Promise.all(numbers.map(function (n) {
      return ns.cached(ix.chunks, n, function () {
        return ns.fetchJson(url(ix, "docs/" + String(n).padStart(3, "0") + ".json"));
      });
    })).then(function (loaded) {
      return refs.map(function (ref) {
        var n = Math.floor(Number(ref) / size);
        return loaded[numbers.indexOf(n)].snippets[Number(ref) - n * size];
      });
    });
  }

  ns.sources.sharded = function (manifest, base) {
    var ix = openIndex(manifest, base);
    // Every result's title comes with the page, so that a ranked query lists its results at once.
    var titleParts = [];
    for (var part = 0; part < manifest.titles; part++) {
      titleParts.push(ns.fetchJson(url(ix, "titles/" + String(part).padStart(2, "0") + ".json")));
    }
    return Promise.all([ix.lengths].concat(titleParts)).then(function (loaded) {
      loaded.slice(1).forEach(function (part) { ix.titles = ix.titles.concat(part.docs); });
      return {
        count: manifest.count,
        all: function () {
          var refs = [];
          for (var n = 0; n < manifest.count; n++) refs.push(String(n));
          return refs;
        },
        number: function (ref) { return Number(ref); },
        tagsOf: function (ref) { return ix.titles[Number(ref)][2]; },
        tags: manifest.tags,
        search: function (words, tag) { return search(ix, words, tag); },
        docs: function (refs) {
          return Promise.resolve(refs.map(function (ref) {
            var doc = ix.titles[Number(ref)];
            return { i: doc[0], t: doc[1], g: doc[2] };
          }));
        },
        snippets: function (refs) { return snippets(ix, refs); }
      };
    });
  };
})();
