// Keys for the review page. The page works without them: they only press the page's own buttons and links.
// c confirms; f opens the flag reasons, 1-9 tick them, n goes to the note, f again saves the flag; u undoes
// the last save; j / k (or the arrows) move to the next / previous record in article order.
// Enter in a text field never sends a verdict (the form's default button is disabled, and Enter is held here).
"use strict";

function typing(el) {
  return el instanceof Element && el.matches(
    "input:not([type=checkbox]):not([type=radio]):not([type=submit]):not([type=button]), textarea, select, [contenteditable]"
  );
}

function press(selector) {
  const button = document.querySelector(selector);
  if (button && !button.disabled) {
    button.click();
    button.disabled = true; // a held key sends one verdict, not several
    return true;
  }
  return false;
}

function flagKey(panel) {
  if (!panel.open) {
    panel.open = true;
  } else if (panel.querySelector("input[name=flag]:checked")) {
    press("#flag");
  } else {
    panel.querySelector("legend").textContent = "Pick at least one reason first (keys 1–7)";
  }
}

document.addEventListener("keydown", (event) => {
  const target = event.target;
  if (event.key === "Enter" && typing(target) && target.closest("#verdict-form")) {
    event.preventDefault();
    return;
  }
  if (event.key === "Escape" && typing(target)) {
    target.blur();
    return;
  }
  if (event.altKey || event.ctrlKey || event.metaKey || typing(target)) {
    return;
  }
  const panel = document.getElementById("flag-panel");
  const rel = { j: "next", ArrowRight: "next", k: "prev", ArrowLeft: "prev" }[event.key];
  if (rel) {
    const link = document.querySelector(`a[rel="${rel}"]`);
    if (link) {
      window.location.assign(link.href);
    }
  } else if (event.key === "c") {
    press("#confirm");
  } else if (event.key === "u") {
    press("#undo");
  } else if (event.key === "f" && panel) {
    flagKey(panel);
  } else if (event.key === "n" && panel) {
    panel.open = true;
    document.getElementById("note").focus();
    event.preventDefault(); // the n is a key, not the note's first letter
  } else if (event.key === "Escape" && panel) {
    panel.open = false;
  } else if (/^[1-9]$/.test(event.key) && panel && panel.open) {
    const box = panel.querySelector(`input[data-key="${event.key}"]`);
    if (box) {
      box.checked = !box.checked;
    }
  }
});

// Bring the record the bar acts on, and its quote in the article, into view (each pane scrolls on its own).
window.addEventListener("DOMContentLoaded", () => {
  const focus = document.querySelector(".row.focus");
  if (focus) {
    focus.scrollIntoView({ block: "nearest" });
  }
  const mine = document.querySelector(".article a.span.mine");
  if (mine) {
    mine.scrollIntoView({ block: "center" });
  }
  const panel = document.getElementById("flag-panel");
  if (panel && focus) {
    // The opened reasons take room from the panes: keep the record being flagged in view.
    panel.addEventListener("toggle", () => focus.scrollIntoView({ block: "nearest" }));
  }
  const current = document.querySelector(".queue li.current");
  if (current) {
    current.scrollIntoView({ block: "center" });
  }
});
