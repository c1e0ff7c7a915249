/* What the pages' scripts share: an element by id, and a new element holding text (never HTML: user text stays
   text). Loaded by every page before its own scripts. */
(function () {
  "use strict";

  function byId(id) { return document.getElementById(id); }

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (className) { node.className = className; }
    return node;
  }

  window.RiskkartaDom = { byId: byId, el: el };
}());
