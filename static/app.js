// tokendesk: small enhancements on top of htmx. Every page works without this file:
// menus, dialogs and forms are plain links and forms underneath.
(function () {
  "use strict";

  var modal = function () { return document.getElementById("modal"); };
  var csrfToken = function () {
    var meta = document.querySelector("meta[name=csrf-token]");
    return meta ? meta.getAttribute("content") : "";
  };
  var opener = null;

  // ---- Dialogs -------------------------------------------------------------
  // What opened the dialog, to give focus back to when it closes. An item of an
  // actions menu is gone by then (the menu closes as the dialog opens), so the menu's
  // button stands for it, remembered with its row: a change replaces the row, button
  // and all, before the dialog closes.
  var openerRow = null;
  // Whether it was a Create token button: the one in an empty list is replaced by the
  // list's refresh (the new token is in it), the one in the page's header is not.
  var openerCreates = false;
  // Its id, if it has one (the details page's Actions button, which the page's refresh
  // behind the dialog replaces).
  var openerId = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    if (target && target.id === "modal" && !modal().open) {
      opener = document.activeElement;
      var slot = opener && opener.closest && opener.closest(".menu-slot");
      if (slot && slot.previousElementSibling) { opener = slot.previousElementSibling; }
      var row = opener && opener.closest && opener.closest("tr[id]");
      openerRow = row ? row.id : null;
      openerCreates = !!(opener && opener.matches && opener.matches("[href='/settings/api-tokens/new']"));
      openerId = opener && opener.id ? opener.id : null;
    }
  });

  // A dialog shown as a page of its own (its address opened directly, or reloaded) has
  // no dialog around it: its form is sent as a plain form, as without this script, so
  // the answer replaces the page instead of opening a second copy of the form, ids and
  // all, in the dialog.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    var target = event.detail.target;
    if (!target || target.id !== "modal" || !elt.closest || !elt.closest(".modal-page")) { return; }
    event.preventDefault();
    if (elt.tagName === "FORM") { elt.submit(); } else if (elt.href) { window.location.href = elt.href; }
  });

  function openerNow() {
    if (opener && document.body.contains(opener)) { return opener; }
    var same = openerId && document.getElementById(openerId);
    var row = openerRow && document.getElementById(openerRow);
    var create = openerCreates && document.querySelector("[data-testid=create-token]");
    return same || (row && row.querySelector("[aria-haspopup=menu]")) || create || document.getElementById("main");
  }

  // Dialogs, tabs and menus take focus once their content has settled: htmx processes
  // swapped-in content only then, and Enter on a menu item or in a field focused any
  // earlier would follow its plain link or send its plain form.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    // A change answered with out-of-band updates leaves the dialog as it is; the
    // after-swap trigger then closes it.
    var reswap = event.detail.xhr && event.detail.xhr.getResponseHeader("HX-Reswap");
    if (target && target.id === "modal" && reswap !== "none") {
      closeMenus(false);
      // Named by its title while it has one; an empty dialog points at nothing.
      if (target.querySelector("#modal-title")) { target.setAttribute("aria-labelledby", "modal-title"); }
      else { target.removeAttribute("aria-labelledby"); }
      if (!target.open) { target.showModal(); }
      // What the dialog marks to start on (the Copy button of a new secret), else its
      // first field or button. showModal() focuses nothing when the dialog was open
      // already and its content was replaced (a form answered with the next step).
      var first = target.querySelector("[data-dialog-start]") ||
        target.querySelector("input:not([type=hidden]), select, textarea, [data-testid=confirm-submit], [data-testid=confirm-cancel], [data-testid=bulk-done]");
      if (first) { first.focus(); }
    }
    if (target && target.id === "token-tabs") {
      var panel = target.querySelector("[data-testid=tab-panel]");
      if (panel) { panel.setAttribute("tabindex", "-1"); panel.focus({ preventScroll: true }); }
    }
    if (target && target.classList.contains("menu-slot")) { openMenu(target); }
  });

  // The results, or a token's details page, fetching themselves again behind a dialog
  // that showed a new secret (tokens/list.html, tokens/detail.html): rows ticked for a
  // bulk change stay ticked. Should the dialog have been closed before the refresh
  // came, focus went back to a control the refresh replaces (a row's actions button):
  // it moves to the same control in the new content.
  function refreshedBehindDialog(event) {
    var asked = event.detail.requestConfig;
    return !!(asked && asked.elt && asked.elt.hasAttribute("data-refresh-behind-dialog"));
  }
  function describeFocus(element) {
    var row = element.closest("tr[id]");
    return { id: element.id || null, row: row ? row.id : null, testId: element.getAttribute("data-testid") };
  }
  function findFocus(seen) {
    var byTestId = seen.testId ? "[data-testid='" + seen.testId + "']" : null;
    var row = seen.row && document.getElementById(seen.row);
    return (seen.id && document.getElementById(seen.id)) ||
      (row && byTestId && row.querySelector(byTestId)) ||
      (!seen.row && byTestId && document.querySelector(byTestId)) || null;
  }
  var tickedBeforeRefresh = [];
  var focusBeforeRefresh = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!refreshedBehindDialog(event)) { return; }
    tickedBeforeRefresh = rowBoxes()
      .filter(function (box) { return box.checked; })
      .map(function (box) { return box.value; });
    var active = document.activeElement;
    focusBeforeRefresh = active && active !== document.body && event.detail.target.contains(active)
      ? describeFocus(active) : null;
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (!refreshedBehindDialog(event)) { return; }
    rowBoxes().forEach(function (box) {
      if (tickedBeforeRefresh.indexOf(box.value) >= 0) { box.checked = true; }
    });
    tickedBeforeRefresh = [];
    var again = focusBeforeRefresh && findFocus(focusBeforeRefresh);
    focusBeforeRefresh = null;
    if (again && !modal().open) { again.focus(); }
  });

  // The results are not a live region (each search would read the whole table out):
  // once they settle, a status line says how many there are.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    var status = document.getElementById("token-results-status");
    if (!target || target.id !== "token-results" || !status) { return; }
    // Except when the results fetched themselves behind a dialog (a token created or
    // rotated there, or a change it refused): the dialog is what is being read then.
    if (refreshedBehindDialog(event)) { return; }
    var summary = target.querySelector("[data-testid=token-count], .empty-state h2");
    status.textContent = summary ? summary.textContent.trim() : "";
  });

  document.addEventListener("tokendesk:close-modal", function () {
    var dialog = modal();
    if (dialog && dialog.open) { dialog.close(); }
  });

  document.addEventListener("close", function (event) {
    if (event.target.id !== "modal") { return; }
    event.target.innerHTML = "";
    event.target.removeAttribute("aria-labelledby");
    var back = openerNow();
    if (back) { back.focus(); }
    opener = null;
    openerRow = null;
    openerCreates = false;
    openerId = null;
  }, true);

  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-close-modal]");
    if (closer && closer.closest("#modal")) {
      event.preventDefault();
      modal().close();
    }
  });

  // ---- One request per change of a filter form ---------------------------------
  // A form marked data-one-request-per-change sends a request only when what it asks
  // for differs from what it asked for last (or was loaded with). Typing in the search
  // box asks once its `input` trigger fires; leaving the box then fires `change`, and
  // Enter fires `change` and `submit`, each asking again for the same results, whose
  // swap would replace a menu opened from them in the meantime.
  var ONCE = "form[data-one-request-per-change]";
  var lastAsked = new WeakMap();
  var asked = function (formData) { return new URLSearchParams(formData).toString(); };

  document.addEventListener("htmx:load", function (event) {
    var root = event.detail.elt;
    var forms = root.matches && root.matches(ONCE) ? [root] : [];
    if (root.querySelectorAll) { forms = forms.concat(Array.prototype.slice.call(root.querySelectorAll(ONCE))); }
    forms.forEach(function (form) { lastAsked.set(form, asked(new FormData(form))); });
  });

  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt;
    if (!form.matches || !form.matches(ONCE)) { return; }
    var query = asked(event.detail.formData);
    if (query === lastAsked.get(form)) {
      event.preventDefault();
      return;
    }
    lastAsked.set(form, query);
  });

  // ---- Actions menus ---------------------------------------------------------
  function menuItems(menu) { return Array.prototype.slice.call(menu.querySelectorAll("[role=menuitem]")); }

  function openMenu(slot) {
    closeMenus(false, slot);
    var trigger = slot.previousElementSibling;
    if (trigger) { trigger.setAttribute("aria-expanded", "true"); }
    var items = slot.querySelector("[role=menu]") ? menuItems(slot) : [];
    if (items.length) { items[0].focus(); }
  }

  function closeMenus(returnFocus, except) {
    document.querySelectorAll(".menu-slot").forEach(function (slot) {
      if (slot === except || !slot.firstElementChild) { return; }
      slot.innerHTML = "";
      var trigger = slot.previousElementSibling;
      if (trigger) {
        trigger.setAttribute("aria-expanded", "false");
        if (returnFocus) { trigger.focus(); }
      }
    });
  }

  // A second press on an open menu's button closes it instead of fetching it again.
  document.addEventListener("htmx:confirm", function (event) {
    var trigger = event.detail.elt;
    if (trigger.getAttribute && trigger.getAttribute("aria-haspopup") === "menu" &&
        trigger.getAttribute("aria-expanded") === "true") {
      event.preventDefault();
      closeMenus(true);
    }
  });

  // The ••• and Actions ▾ controls are links (so they work without this script) with
  // role=button: Space presses them, as it would a button, instead of scrolling.
  document.addEventListener("keydown", function (event) {
    if (event.key !== " " || !event.target.matches || !event.target.matches("a[role=button]")) { return; }
    event.preventDefault();
    event.target.click();
  });

  document.addEventListener("keydown", function (event) {
    var menu = event.target.closest && event.target.closest("[role=menu]");
    if (event.key === "Escape" && menu) {
      event.preventDefault();
      closeMenus(true);
      return;
    }
    if (!menu || (event.key !== "ArrowDown" && event.key !== "ArrowUp" && event.key !== "Home" && event.key !== "End")) { return; }
    event.preventDefault();
    var items = menuItems(menu);
    var index = items.indexOf(event.target);
    var next = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: items.length - 1 }[event.key];
    items[(next + items.length) % items.length].focus();
  });

  document.addEventListener("click", function (event) {
    if (!event.target.closest(".menu-wrap")) { closeMenus(false); }
  });

  // ---- Countdowns ------------------------------------------------------------
  // A [data-countdown-to] (an RFC 3339 time) says how long is left, to the second; the
  // server's wording ("in 5 hours") stands without this script.
  function left(seconds) {
    var d = Math.floor(seconds / 86400), h = Math.floor(seconds % 86400 / 3600);
    var m = Math.floor(seconds % 3600 / 60), s = Math.floor(seconds % 60);
    var parts = d ? [d + " d", h + " h", m + " min"] : h ? [h + " h", m + " min", s + " s"] : m ? [m + " min", s + " s"] : [s + " s"];
    return parts.join(" ") + " left";
  }

  function tickCountdowns() {
    document.querySelectorAll("[data-countdown-to]").forEach(function (el) {
      var seconds = (Date.parse(el.getAttribute("data-countdown-to")) - Date.now()) / 1000;
      el.textContent = seconds > 0 ? left(seconds) : "ended";
    });
  }
  tickCountdowns();
  setInterval(tickCountdowns, 1000);

  // ---- Secrets: copy, show, hide -------------------------------------------
  function fetchSecret(url) {
    return fetch(url, {
      method: "POST",
      headers: { "X-CSRF-Token": csrfToken(), "Accept": "text/plain" },
      credentials: "same-origin"
    }).then(function (response) {
      return response.text().then(function (text) {
        if (!response.ok) { throw new Error(text || "The token could not be read."); }
        return text;
      });
    });
  }

  function announceCopied(near) {
    var scope = near.closest(".secret-row") || document;
    var badge = scope.querySelector("[data-testid=copied]");
    if (!badge) {
      badge = document.createElement("div");
      badge.className = "toast";
      badge.setAttribute("role", "status");
      badge.setAttribute("data-testid", "copied");
      document.body.appendChild(badge);
    }
    badge.textContent = "Copied";
    badge.hidden = false;
  }

  function showError(message) {
    var region = document.getElementById("flash");
    if (!region) { return; }
    region.innerHTML = "";
    var p = document.createElement("p");
    p.className = "flash flash-error";
    p.setAttribute("role", "alert");
    p.setAttribute("data-testid", "flash-message");
    p.textContent = message;
    region.appendChild(p);
  }

  document.addEventListener("click", function (event) {
    var copy = event.target.closest("[data-copy-url], [data-copy-target]");
    if (copy) {
      event.preventDefault();
      var source = copy.getAttribute("data-copy-target");
      var value = source
        ? Promise.resolve(document.querySelector(source).textContent.trim())
        : fetchSecret(copy.getAttribute("data-copy-url"));
      value
        .then(function (text) { return navigator.clipboard.writeText(text); })
        .then(function () { announceCopied(copy); closeMenus(false); })
        .catch(function (error) { showError(error.message); });
      return;
    }
    var hide = event.target.closest("[data-testid=secret-hide]");
    if (hide) {
      event.preventDefault();
      var row = hide.closest(".secret-row");
      var code = row.querySelector("[data-testid=token-secret]");
      code.textContent = code.getAttribute("data-masked");
      hide.hidden = true;
      row.querySelector("[data-testid=secret-show]").hidden = false;
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("[data-reveal-form]");
    if (!form) { return; }
    event.preventDefault();
    var row = form.closest(".secret-row");
    fetchSecret(form.getAttribute("action")).then(function (text) {
      row.querySelector("[data-testid=token-secret]").textContent = text;
      row.querySelector("[data-testid=secret-show]").hidden = true;
      row.querySelector("[data-testid=secret-hide]").hidden = false;
    }).catch(function (error) { showError(error.message); });
  });

  // ---- Selecting rows for a bulk change --------------------------------------
  // Without this script, a ticked "select all on this page" is sent as a field of its
  // own and the server takes the page's ids. With it, the box ticks or clears every
  // row, and shows whether all, some or none of them are ticked, also once rows are
  // swapped in.
  function rowBoxes() { return Array.prototype.slice.call(document.querySelectorAll("[data-testid=token-select]")); }

  function showWholePage() {
    var all = document.querySelector("[data-testid=select-all]");
    if (!all) { return; }
    var boxes = rowBoxes();
    var ticked = boxes.filter(function (box) { return box.checked; }).length;
    all.checked = boxes.length > 0 && ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
  }

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("[data-testid=select-all], [data-testid=token-select]")) { return; }
    if (box.matches("[data-testid=select-all]")) {
      rowBoxes().forEach(function (row) { row.checked = box.checked; });
    }
    showWholePage();
  });
  document.addEventListener("htmx:load", showWholePage);
  document.addEventListener("htmx:afterSettle", showWholePage);

  // ---- "All modules" ---------------------------------------------------------
  document.addEventListener("change", function (event) {
    var all = event.target.closest("[data-all-modules]");
    var fieldset = event.target.closest(".modules-field");
    if (!fieldset) { return; }
    var boxes = fieldset.querySelectorAll("[data-module]");
    if (all) {
      boxes.forEach(function (box) { box.checked = all.checked; });
    } else if (event.target.matches("[data-module]")) {
      fieldset.querySelector("[data-all-modules]").checked =
        Array.prototype.every.call(boxes, function (box) { return box.checked; });
    }
  });
})();
