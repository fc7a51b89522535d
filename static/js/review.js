// Keyboard for reviews: Space reveals a flashcard, 1-4 rate. Ignored while typing an answer.
document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))) return;
  const card = document.getElementById("review-card");
  if (!card) return;
  let button = null;
  if (event.key === " ") button = card.querySelector("[data-key=reveal]");
  else if (/^[1-4]$/.test(event.key)) button = card.querySelector(`[data-rating="${event.key}"]`);
  if (button) {
    event.preventDefault();
    button.click();
  }
});
// After htmx swaps a card in (outerHTML: the old element is gone), move focus into the new card
// so Space and 1-4 keep working and screen readers land on it.
document.addEventListener("htmx:afterSettle", () => {
  const card = document.getElementById("review-card");
  if (!card || card.contains(document.activeElement)) return;
  const focus = card.querySelector("[autofocus], input, textarea, select, button");
  if (focus) focus.focus();
});
