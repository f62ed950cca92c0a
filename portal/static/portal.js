// After htmx has put an answer into the page, move the focus where a keyboard or screen-reader user needs it:
// to what the answer marked with data-autofocus (the error summary of a section, or its "Saved" notice).
// Without JavaScript the whole page is drawn again and its error summary is at the top, as usual.
document.addEventListener("htmx:afterSettle", () => {
  const marked = document.querySelector("[data-autofocus]");
  if (marked) {
    marked.removeAttribute("data-autofocus");
    if (!marked.hasAttribute("tabindex")) marked.setAttribute("tabindex", "-1");
    marked.focus();
  }
});
