// Keyboard navigation, record to record: j or the right arrow for the next, k or the left arrow for the previous.
// The page works without it; it only follows the page's own rel=next / rel=prev links.
document.addEventListener("keydown", (event) => {
  const target = event.target;
  if (event.altKey || event.ctrlKey || event.metaKey || target.closest("input, select, textarea, button")) {
    return;
  }
  const rel = { j: "next", ArrowRight: "next", k: "prev", ArrowLeft: "prev" }[event.key];
  const link = rel && document.querySelector(`a[rel="${rel}"]`);
  if (link) {
    window.location.assign(link.href);
  }
});
// Scroll the selected record's first quoted span into view in the article.
window.addEventListener("DOMContentLoaded", () => {
  const mine = document.querySelector(".article a.span.mine");
  if (mine) {
    mine.scrollIntoView({ block: "center" });
  }
});
