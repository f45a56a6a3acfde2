// Inspection entry that survives a dropped connection.
// Every change is kept in this browser (IndexedDB, by inspection and user) and saved to the server as a
// draft in the background; a conflict with someone else's save is shown with both versions, never merged.
// The submit carries a key made here, is queued while offline and sent when the connection is back; photos
// are reduced here and sent one by one, each retried until stored. The server stays the judge of it all.
(function () {
  "use strict";
  const form = document.getElementById("entry-form");
  const configElement = document.getElementById("entry-config");
  if (!form || !configElement || !window.idbKeyval) return;
  const config = JSON.parse(configElement.textContent);
  const T = config.text;
  const store = window.idbKeyval;
  const recordKey = config.storeKey;
  const photoPrefix = recordKey + ":photo:";
  const PAGES_CACHE = "hallq-entry-pages";
  const LONG_SIDE = 1600;
  const NOT_VALUES = ["csrfmiddlewaretoken", "lock_version", "submit_key"];
  const syncLine = document.getElementById("entry-sync");
  const conflictBox = document.getElementById("entry-conflict");
  const lockInput = form.elements.namedItem("lock_version");
  const keyInput = form.elements.namedItem("submit_key");
  const submitButton = document.getElementById("entry-submit");
  const csrf = form.elements.namedItem("csrfmiddlewaretoken").value;

  let record = null; // {values, lockVersion, dirty, submitKey}
  let busy = false;
  let again = false;
  let conflict = null; // {server, lockVersion} while the user has not chosen
  let applying = false;
  let timer = null;
  let photoWork = Promise.resolve(); // photos being reduced and stored: a submit waits for them

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, function (x) { return x.toString(16).padStart(2, "0"); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function valueFields() {
    return Array.from(form.elements).filter(function (el) {
      return el.name && NOT_VALUES.indexOf(el.name) < 0 && el.tagName !== "BUTTON" &&
        ["file", "submit", "button"].indexOf(el.type) < 0;
    });
  }

  function readValues() {
    const values = {};
    valueFields().forEach(function (el) { values[el.name] = el.type === "checkbox" ? el.checked : el.value; });
    return values;
  }

  function applyValues(values) {
    applying = true;
    valueFields().forEach(function (el) {
      const value = values[el.name];
      if (el.type === "checkbox") el.checked = value === true;
      else el.value = value === undefined || value === false || value === true ? "" : value;
    });
    form.dispatchEvent(new Event("change")); // subtotals, N/A states
    applying = false;
  }

  function saveRecord() {
    return store.set(recordKey, record).catch(function () {});
  }

  function status(text, tone) {
    syncLine.textContent = text;
    syncLine.dataset.tone = tone || "";
  }

  // --- errors beside the fields -------------------------------------------------------------------

  function clearErrors() {
    form.querySelectorAll("[data-live-error]").forEach(function (el) { el.remove(); });
    form.querySelectorAll("[data-live-invalid]").forEach(function (el) {
      el.classList.remove("is-invalid");
      delete el.dataset.liveInvalid;
    });
  }

  function showErrors(data) {
    clearErrors();
    Object.keys(data.field_errors || {}).forEach(function (name) {
      const field = form.elements.namedItem(name);
      if (!field || !field.parentNode) return;
      field.classList.add("is-invalid");
      field.dataset.liveInvalid = "1";
      (data.field_errors[name] || []).forEach(function (message) {
        const note = document.createElement("div");
        note.className = "invalid-feedback d-block";
        note.dataset.liveError = "1";
        note.textContent = typeof message === "string" ? message : message.message;
        const anchor = field.closest(".entry-stepper, .form-check") || field;
        anchor.parentNode.insertBefore(note, anchor.nextSibling);
      });
    });
    status(data.error || "", "error");
  }

  // --- conflict: both versions, the user chooses ------------------------------------------------------

  function shown(name, value) {
    if (value === true) return T.yes;
    if (value === false || value === undefined || value === "") return name.indexOf("na_") === 0 || name.indexOf("veto_") === 0 ? T.no : T.empty;
    return String(value);
  }

  function same(name, a, b) {
    const blank = function (v) { return v === undefined || v === false || v === ""; };
    if (blank(a) && blank(b)) return true;
    if (name.indexOf("points_") === 0 && !blank(a) && !blank(b)) return parseFloat(a) === parseFloat(b);
    return a === b;
  }

  function showConflict(data) {
    conflict = { server: data.server || {}, lockVersion: data.lock_version };
    const mine = record.values;
    const rows = conflictBox.querySelector("[data-conflict-rows]");
    rows.textContent = "";
    const names = Object.keys(config.labels).filter(function (name) {
      return !same(name, conflict.server[name], mine[name]);
    });
    names.forEach(function (name) {
      const tr = document.createElement("tr");
      tr.dataset.field = name;
      [config.labels[name], shown(name, conflict.server[name]), shown(name, mine[name])].forEach(function (text) {
        const td = document.createElement("td");
        td.textContent = text;
        tr.appendChild(td);
      });
      rows.appendChild(tr);
    });
    conflictBox.querySelector("[data-conflict-message]").textContent = T.conflict;
    conflictBox.hidden = false;
    status(T.conflict, "error");
    conflictBox.scrollIntoView({ block: "start" });
  }

  function resolveConflict(choice) {
    if (!conflict) return;
    record.lockVersion = conflict.lockVersion;
    lockInput.value = conflict.lockVersion;
    if (choice === "theirs") {
      applyValues(conflict.server);
      record.values = readValues();
      record.dirty = false;
      status(T.saved, "ok");
    } else {
      record.values = readValues();
      record.dirty = true;
    }
    conflict = null;
    conflictBox.hidden = true;
    saveRecord().then(flush);
  }

  // --- the draft and the submission ---------------------------------------------------------------

  function payload(submit) {
    const body = new FormData();
    body.append("csrfmiddlewaretoken", csrf);
    body.append("lock_version", record.lockVersion);
    Object.keys(record.values).forEach(function (name) {
      const value = record.values[name];
      if (value === true) body.append(name, "on");
      else if (value !== false) body.append(name, value);
    });
    if (submit) {
      body.append("submit", "1");
      body.append("submit_key", record.submitKey);
    }
    return body;
  }

  async function answer(url, body) {
    // null: the connection or the server failed, try again later; otherwise the status and JSON body.
    try {
      const response = await fetch(url, { method: "POST", body: body, credentials: "same-origin" });
      if (response.status >= 500) return null;
      const data = await response.json();
      return { status: response.status, ok: response.ok, data: data };
    } catch (err) {
      return null; // offline, timed out, or an HTML page (a login that expired): kept here all the same
    }
  }

  async function send(submit) {
    const sent = JSON.stringify(record.values);
    status(submit ? T.sending : T.saving);
    const reply = await answer(config.autosaveUrl, payload(submit));
    if (reply === null) {
      status(submit ? T.queued : navigator.onLine ? T.kept : T.offline, "warn");
      return false;
    }
    if (reply.ok) {
      clearErrors();
      if (submit) {
        await store.del(recordKey).catch(function () {});
        status(T.saved, "ok");
        window.location.assign(reply.data.redirect);
        return true;
      }
      record.lockVersion = reply.data.lock_version;
      lockInput.value = reply.data.lock_version;
      if (JSON.stringify(record.values) === sent) record.dirty = false; // else typed meanwhile: save again
      await saveRecord();
      status(T.saved, "ok");
      return true;
    }
    record.submitKey = null; // refused, not lost: the user corrects and submits again
    keyInput.value = "";
    if (submitButton) submitButton.disabled = false;
    await saveRecord();
    if (reply.status === 409 && reply.data.conflict) showConflict(reply.data);
    else showErrors(reply.data);
    return false;
  }

  async function flush() {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      do {
        again = false;
        if (conflict) break;
        const photosSent = await sendPhotos();
        if (record.submitKey) {
          if (photosSent) await send(true);
          else status(T.queued, "warn");
        } else if (record.dirty) {
          await send(false);
        }
      } while (again);
    } finally {
      busy = false;
    }
  }

  function later(ms) {
    clearTimeout(timer);
    timer = setTimeout(flush, ms);
  }

  function onEdit(event) {
    if (applying || !record) return;
    if (event.target && event.target.type === "file") {
      if (event.type === "change") addPhotos(event.target);
      return;
    }
    record.values = readValues();
    record.dirty = true;
    saveRecord();
    later(1200);
  }

  async function onSubmit(event) {
    event.preventDefault();
    const submitter = event.submitter;
    if (submitter && submitter.name === "save") {
      record.values = readValues();
      record.dirty = true;
      await saveRecord();
      flush();
      return;
    }
    if (record.submitKey) return; // already on its way: a double tap submits once
    record.submitKey = uuid();
    keyInput.value = record.submitKey;
    if (submitButton) submitButton.disabled = true;
    record.values = readValues();
    await saveRecord();
    if (!navigator.onLine) status(T.queued, "warn");
    flush();
  }

  // --- photos: reduced here, sent one by one ----------------------------------------------------------

  async function reduce(file) {
    try {
      const bitmap = await createImageBitmap(file);
      const scale = Math.min(1, LONG_SIDE / Math.max(bitmap.width, bitmap.height));
      const canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(bitmap.width * scale));
      canvas.height = Math.max(1, Math.round(bitmap.height * scale));
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      if (bitmap.close) bitmap.close();
      const blob = await new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", 0.85); });
      return blob || file;
    } catch (err) {
      return file; // not decodable here: the server checks it and says why
    }
  }

  function thumb(photo, text, tone) {
    let figure = form.querySelector('[data-photo-key="' + photo.clientKey + '"]');
    if (!figure) {
      const cell = form.querySelector('[data-indicator="' + photo.indicator + '"] .entry-photo-list');
      if (!cell) return;
      figure = document.createElement("figure");
      figure.className = "entry-photo";
      figure.dataset.photoKey = photo.clientKey;
      const img = document.createElement("img");
      img.className = "img-thumbnail";
      img.alt = "";
      img.width = 96;
      img.src = URL.createObjectURL(photo.blob);
      const caption = document.createElement("figcaption");
      figure.appendChild(img);
      figure.appendChild(caption);
      cell.appendChild(figure);
    }
    figure.dataset.state = tone || "waiting";
    figure.querySelector("figcaption").textContent = text;
  }

  async function pendingPhotos() {
    const keys = (await store.keys()).filter(function (k) { return typeof k === "string" && k.indexOf(photoPrefix) === 0; });
    const photos = (await store.getMany(keys)).filter(Boolean);
    return photos.sort(function (a, b) { return a.addedAt - b.addedAt; });
  }

  function addPhotos(input) {
    const cell = input.closest("[data-indicator]");
    const files = Array.from(input.files || []);
    input.value = ""; // sent one by one below, not with the form
    photoWork = photoWork.then(function () { return keepPhotos(cell, files); }).catch(function () {});
    photoWork.then(flush);
  }

  async function keepPhotos(cell, files) {
    for (const file of files) {
      const blob = await reduce(file);
      const base = (file.name || "photo").replace(/\.[^.]*$/, "");
      const photo = {
        clientKey: uuid(),
        indicator: cell.dataset.indicator,
        blob: blob,
        name: blob.type === "image/jpeg" ? base + ".jpg" : file.name,
        addedAt: Date.now(),
      };
      await store.set(photoPrefix + photo.clientKey, photo);
      thumb(photo, T.photoWaiting, "waiting");
    }
  }

  async function sendPhotos() {
    await photoWork;
    const photos = await pendingPhotos();
    for (const photo of photos) {
      const body = new FormData();
      body.append("csrfmiddlewaretoken", csrf);
      body.append("indicator", photo.indicator);
      body.append("client_key", photo.clientKey);
      body.append("photo", photo.blob, photo.name);
      const reply = await answer(config.photoUrl, body);
      if (reply === null) {
        status(T.photosWaiting.replace("%(count)s", photos.length), "warn");
        return false;
      }
      await store.del(photoPrefix + photo.clientKey);
      if (reply.ok) thumb(photo, T.photoStored, "stored");
      else thumb(photo, T.photoFailed + "：" + (reply.data.error || ""), "error");
    }
    return true;
  }

  // --- the service worker: the page and its files offline ---------------------------------------------

  function registerWorker() {
    if (!("serviceWorker" in navigator) || !window.caches) return;
    navigator.serviceWorker.register(config.serviceWorkerUrl, { scope: "/" })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function () {
        // This first visit did not pass through the worker: keep the page for a reload offline.
        return caches.open(PAGES_CACHE).then(function (cache) {
          return cache.match(location.href).then(function (hit) { return hit || cache.add(location.href); });
        });
      })
      .then(function () { document.documentElement.dataset.offlineReady = "1"; })
      .catch(function () {});
  }

  async function start() {
    const pageVersion = parseInt(lockInput.value, 10) || 0;
    let stored = null;
    try {
      stored = await store.get(recordKey);
    } catch (err) {
      stored = null;
    }
    // What this browser holds is newer than the page (a copy from the cache), or not yet saved: it wins.
    // A clean copy older than the page is someone else's earlier state: the page wins.
    if (stored && (stored.dirty || stored.submitKey || stored.lockVersion >= pageVersion)) {
      record = stored;
      applyValues(stored.values);
      lockInput.value = stored.lockVersion;
      keyInput.value = stored.submitKey || "";
      if (stored.submitKey && submitButton) submitButton.disabled = true;
      if (stored.dirty || stored.submitKey) status(stored.submitKey ? T.queued : T.restored, "warn");
    } else {
      record = { values: readValues(), lockVersion: pageVersion, dirty: false, submitKey: null };
    }
    (await pendingPhotos()).forEach(function (photo) { thumb(photo, T.photoWaiting, "waiting"); });
    form.addEventListener("input", onEdit);
    form.addEventListener("change", onEdit);
    form.addEventListener("submit", onSubmit);
    conflictBox.querySelectorAll("[data-conflict]").forEach(function (button) {
      button.addEventListener("click", function () { resolveConflict(button.dataset.conflict); });
    });
    window.addEventListener("online", flush);
    window.addEventListener("offline", function () { status(record.submitKey ? T.queued : T.offline, "warn"); });
    // Background Sync exists in Chromium only: retry on a timer as well.
    setInterval(flush, 15000);
    form.dataset.offlineStarted = "1";
    registerWorker();
    flush();
  }

  start();
})();
