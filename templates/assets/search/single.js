/* litreview paper search, the single layout (generator/search/single.py): one lunr index, loaded
 * whole with lunr.Index.load. Registers window.litreviewSearch.sources.single, a source as
 * assets/search.js describes them; uses the query helpers search.js puts on the same object
 * (called only once search.js has opened the index, so this file may load before it). */
(function () {
  "use strict";

  var ns = window.litreviewSearch = window.litreviewSearch || {};
  ns.sources = ns.sources || {};

  ns.sources.single = function (manifest, base) {
    return ns.fetchJson(new URL(manifest.index, base).href).then(function (data) {
      var index = window.lunr.Index.load(data.index);
      function run(terms, presence) {
        return index.query(function (q) { ns.addClauses(q, terms, presence); });
      }
      function inTag(tag) {
        return function (ref) { return data.docs[ref].g.indexOf(tag) !== -1; };
      }
      // Each topic's papers in the order of its topic page, as the generator lists them.
      function topic(tag) {
        return Object.prototype.hasOwnProperty.call(data.topics, tag) ? data.topics[tag] : [];
      }
      var numbers = {};  // paper id -> its number in search/facets.json
      data.order.forEach(function (id, n) { numbers[id] = n; });
      return {
        count: Object.keys(data.docs).length,
        all: function () { return data.order.slice(); },
        number: function (ref) { return numbers[ref]; },
        tagsOf: function (ref) { return data.docs[ref].g; },
        tags: data.tags,
        search: function (words, tag) {
          if (!words.length) return Promise.resolve(tag ? topic(tag) : []);
          var refs = ns.refsFor(run, ns.queryTerms(words));
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
  };
})();
