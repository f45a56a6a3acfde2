// The tree editor: a removal (of an item with everything beneath it, or of a template) is confirmed first.
document.addEventListener("submit", (event) => {
  const question = event.target.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
