/* Rappel: a small progressive enhancement for code answers (textarea[data-editor]).
 * Tab inserts two spaces (Shift+Tab removes them), Enter keeps the indentation, line numbers
 * sit beside the text, and the draft survives a refused submission (sessionStorage).
 * Esc then Tab leaves the editor, so the keyboard is never trapped. Without this script the
 * textarea is a plain form field and the form submits the same way.
 */
(function () {
  "use strict";
  var INDENT = "  ";

  function insert(area, text) {
    area.focus();
    // execCommand keeps the browser's undo history; setRangeText is the fallback.
    if (!(document.execCommand && document.execCommand("insertText", false, text))) {
      area.setRangeText(text, area.selectionStart, area.selectionEnd, "end");
      area.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  function lineStart(value, position) {
    return value.lastIndexOf("\n", position - 1) + 1;
  }

  function outdent(area) {
    var value = area.value;
    var start = lineStart(value, area.selectionStart);
    var end = area.selectionEnd;
    var block = value.slice(start, end);
    var changed = block.replace(/^ {1,2}/gm, "");
    if (changed === block) return;
    area.setSelectionRange(start, end);
    insert(area, changed);
    area.setSelectionRange(start, start + changed.length);
  }

  function indentSelection(area) {
    var value = area.value;
    var start = lineStart(value, area.selectionStart);
    var end = area.selectionEnd;
    var block = value.slice(start, end);
    var changed = block.replace(/^/gm, INDENT);
    area.setSelectionRange(start, end);
    insert(area, changed);
    area.setSelectionRange(start, start + changed.length);
  }

  function gutterFor(area) {
    var style = window.getComputedStyle(area);
    var wrap = document.createElement("div");
    var gutter = document.createElement("div");
    gutter.setAttribute("aria-hidden", "true");
    gutter.className = "editor-gutter";
    wrap.className = "editor-wrap";
    wrap.style.display = "flex";
    wrap.style.alignItems = "stretch";
    gutter.style.fontFamily = style.fontFamily;
    gutter.style.fontSize = style.fontSize;
    gutter.style.lineHeight = style.lineHeight;
    gutter.style.paddingTop = style.paddingTop;
    gutter.style.paddingBottom = style.paddingBottom;
    gutter.style.borderTop = style.borderTopWidth + " solid transparent";
    gutter.style.paddingRight = "0.5em";
    gutter.style.textAlign = "right";
    gutter.style.whiteSpace = "pre";
    gutter.style.overflow = "hidden";
    gutter.style.userSelect = "none";
    gutter.style.opacity = "0.6";
    gutter.style.minWidth = "2.5em";
    area.style.flex = "1";
    area.style.minWidth = "0";
    area.parentNode.insertBefore(wrap, area);
    wrap.appendChild(gutter);
    wrap.appendChild(area);
    var shown = -1;
    function update() {
      var count = area.value.split("\n").length;
      if (count !== shown) {
        var numbers = [];
        for (var i = 1; i <= count; i++) numbers.push(i);
        gutter.textContent = numbers.join("\n");
        shown = count;
      }
      gutter.scrollTop = area.scrollTop;
    }
    area.addEventListener("input", update);
    area.addEventListener("scroll", function () { gutter.scrollTop = area.scrollTop; });
    update();
  }

  function draftKey(area) {
    return "rappel-draft:" + (area.form ? area.form.getAttribute("action") : location.pathname) + ":" + area.name;
  }

  function keepDraft(area) {
    var key = draftKey(area);
    try {
      var saved = window.sessionStorage.getItem(key);
      if (saved !== null && area.value === area.defaultValue && saved !== area.value) area.value = saved;
      area.addEventListener("input", function () { window.sessionStorage.setItem(key, area.value); });
    } catch (e) { /* storage disabled: nothing to keep */ }
  }

  function enhance(area) {
    if (area.dataset.enhanced) return;
    area.dataset.enhanced = "1";
    var escaped = false;
    keepDraft(area);
    area.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { escaped = true; return; }
      if (event.key === "Tab") {
        if (escaped || event.ctrlKey || event.altKey || event.metaKey) { escaped = false; return; }
        event.preventDefault();
        if (event.shiftKey) outdent(area);
        else if (area.value.slice(area.selectionStart, area.selectionEnd).indexOf("\n") >= 0) indentSelection(area);
        else insert(area, INDENT);
        return;
      }
      escaped = false;
      if (event.key === "Enter" && !event.shiftKey && !event.ctrlKey && !event.metaKey && !event.isComposing) {
        var value = area.value;
        var start = lineStart(value, area.selectionStart);
        var indent = /^[ ]*/.exec(value.slice(start, area.selectionStart))[0];
        if (indent) { event.preventDefault(); insert(area, "\n" + indent); }
      }
    });
    gutterFor(area);
    var help = area.form && area.form.querySelector("[data-editor-help]");
    if (help) help.hidden = false;
  }

  function enhanceAll(root) {
    var areas = (root || document).querySelectorAll("textarea[data-editor]");
    for (var i = 0; i < areas.length; i++) enhance(areas[i]);
  }

  enhanceAll(document);
  // htmx swaps new question cards in: enhance them too (registered once even if re-run).
  if (!window.rappelEditorListening) {
    window.rappelEditorListening = true;
    document.addEventListener("htmx:load", function (event) { enhanceAll(event.target); });
  }
})();
