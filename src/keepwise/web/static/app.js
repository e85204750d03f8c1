// keepwise: small progressive enhancements; every page works without this file.
"use strict";

function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

// Customer type-ahead: fill the input's <datalist> from /api/customers/search?q=.
function initTypeahead(input) {
  const list = document.getElementById(input.getAttribute("list"));
  if (!list) return;
  const url = input.dataset.typeahead;
  let last = "";
  const lookup = debounce(async () => {
    const q = input.value.trim();
    if (q.length < 1 || q === last) return;
    last = q;
    try {
      const response = await fetch(url + "?q=" + encodeURIComponent(q), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) return;
      const rows = await response.json();
      list.replaceChildren(
        ...rows.map((row) => {
          const option = document.createElement("option");
          option.value = row.customer_id;
          option.textContent = row.name ? row.name + " (" + row.customer_id + ")" : row.customer_id;
          option.label = option.textContent;
          return option;
        })
      );
    } catch (err) {
      // Offline or server busy: the field still accepts a typed id.
    }
  }, 150);
  input.addEventListener("input", lookup);
}

// Copy buttons: <button data-copy="#selector">.
function initCopy(button) {
  button.addEventListener("click", async () => {
    const target = document.querySelector(button.dataset.copy);
    if (!target) return;
    target.select();
    try {
      await navigator.clipboard.writeText(target.value);
    } catch (err) {
      document.execCommand("copy");
    }
    button.textContent = "Copied";
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("input[data-typeahead]").forEach(initTypeahead);
  document.querySelectorAll("button[data-copy]").forEach(initCopy);
});
