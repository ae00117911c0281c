// Behaviour the templates used to write inline: kept here so that the site's
// Content-Security-Policy can forbid inline script and eval.
document.addEventListener("htmx:afterRequest", (event) => {
  const form = event.target;
  if (event.detail.successful && form instanceof HTMLFormElement && form.matches(".comment-form")) {
    form.reset();
  }
});
