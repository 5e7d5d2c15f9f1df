// missilewatch dashboard: fetch chart JSON from the API and draw it with plotly.js.
// Every chart div counts its redraws in data-revision, so a reader (or a test) can wait
// for a new drawing instead of guessing how long it takes.
"use strict";

const PLOT_CONFIG = { responsive: true, displaylogo: false };

function draw(div, figure) {
  Plotly.react(div, figure.data, figure.layout, PLOT_CONFIG);
  div.dataset.revision = String(Number(div.dataset.revision || "0") + 1);
}

function showError(element, message) {
  if (!element) return;
  element.textContent = message || "";
  element.hidden = !message;
}

async function fetchJSON(url, options) {
  const response = await fetch(url, options);
  let body = null;
  try {
    body = await response.json();
  } catch (_) {
    body = { error: `the server answered ${response.status} without a JSON body` };
  }
  if (!response.ok) {
    const error = new Error(body && body.error ? body.error : `request failed (${response.status})`);
    error.field = body ? body.field : null;
    throw error;
  }
  return body;
}

// ---- filters -------------------------------------------------------------------------

function filterQuery(form) {
  const params = new URLSearchParams();
  const start = form.elements.start;
  const end = form.elements.end;
  // The full range is the default view: leave it out so it shares the server's cache.
  if (start.value && start.value !== start.min) params.set("start", start.value);
  if (end.value && end.value !== end.max) params.set("end", end.value);
  if (form.elements.weapon_class.value) params.set("weapon_class", form.elements.weapon_class.value);
  if (form.elements.family.value) params.set("family", form.elements.family.value);
  return params.toString();
}

function restrictFamilies(form) {
  const chosenClass = form.elements.weapon_class.value;
  const familySelect = form.elements.family;
  for (const option of familySelect.options) {
    if (!option.value) continue;
    option.hidden = Boolean(chosenClass) && option.dataset.class !== chosenClass;
  }
  const selected = familySelect.selectedOptions[0];
  if (selected && selected.hidden) familySelect.value = "";
}

function withQuery(source, query) {
  if (!query) return source;
  return source + (source.includes("?") ? "&" : "?") + query;
}

let filterGeneration = 0;

async function refreshFilteredCharts(form) {
  const generation = ++filterGeneration;
  const query = filterQuery(form);
  const errorBox = document.getElementById("filter-error");
  const charts = document.querySelectorAll(".chart[data-source]");
  try {
    const figures = await Promise.all(
      Array.from(charts, (div) => fetchJSON(withQuery(div.dataset.source, query)))
    );
    if (generation !== filterGeneration) return; // a newer filter change is under way
    showError(errorBox, "");
    charts.forEach((div, index) => draw(div, figures[index]));
  } catch (error) {
    if (generation === filterGeneration) showError(errorBox, error.message);
  }
}

// ---- model charts and the scenario form ----------------------------------------------

function showNotes(messages) {
  const list = document.getElementById("model-notes");
  if (!list) return;
  list.replaceChildren(
    ...Array.from(new Set(messages || []), (message) => {
      const item = document.createElement("li");
      item.textContent = message;
      return item;
    })
  );
}

function payloadNotes(payload) {
  const notes = [...(payload.warnings || [])];
  for (const figure of Object.values(payload.figures || {})) notes.push(...((figure && figure.warnings) || []));
  return notes;
}

function drawModelFigures(figures) {
  for (const [name, figure] of Object.entries(figures || {})) {
    const div = document.getElementById(`chart-${name}`);
    if (div && figure) draw(div, figure);
  }
}

function scenarioBody(form) {
  const body = {};
  for (const element of form.elements) {
    if (!element.name || element.value === "") continue;
    if (element.type === "number") {
      const number = Number(element.value);
      body[element.name] = Number.isFinite(number) ? number : element.value;
    } else {
      body[element.name] = element.value;
    }
  }
  const filters = document.getElementById("filters");
  if (filters && filters.elements.weapon_class.value) {
    body.weapon_class = filters.elements.weapon_class.value;
  }
  if (body.scenario) {
    // A shipped scenario brings its own changes; only the run settings still apply.
    for (const name of Object.keys(body)) {
      if (!["scenario", "until", "paths", "seed", "weapon_class"].includes(name)) delete body[name];
    }
  }
  return body;
}

async function runScenario(form) {
  const errorBox = document.getElementById("scenario-error");
  const status = document.getElementById("scenario-status");
  const button = form.querySelector("button[type=submit]");
  showError(errorBox, "");
  for (const element of form.elements) element.removeAttribute("aria-invalid");
  status.textContent = "Running…";
  button.disabled = true;
  try {
    const result = await fetchJSON("/api/scenario-runs", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(scenarioBody(form)),
    });
    drawModelFigures(result.figures);
    showNotes(payloadNotes(result));
    status.textContent = result.description || "Done.";
  } catch (error) {
    status.textContent = "";
    showError(errorBox, error.message);
    const field = error.field && form.elements[error.field];
    if (field && field.setAttribute) field.setAttribute("aria-invalid", "true");
  } finally {
    button.disabled = false;
  }
}

async function loadBaselineModelCharts(weaponClass, onlyStockpile) {
  const wanted = [];
  const classQuery = weaponClass ? `?weapon_class=${encodeURIComponent(weaponClass)}` : "";
  if (document.getElementById("chart-stockpile")) {
    wanted.push(["stockpile", `/api/figures/stockpile${classQuery}`]);
  }
  if (document.getElementById("chart-defense") && !onlyStockpile) {
    wanted.push(["defense", "/api/figures/defense"]);
  }
  const notes = [];
  await Promise.all(
    wanted.map(async ([name, url]) => {
      try {
        const payload = await fetchJSON(url);
        drawModelFigures(payload.figures || { [name]: payload });
        notes.push(...payloadNotes(payload));
      } catch (error) {
        const div = document.getElementById(`chart-${name}`);
        if (div) div.textContent = `Could not compute this chart: ${error.message}`;
      }
    })
  );
  showNotes(notes);
}

document.addEventListener("DOMContentLoaded", () => {
  const filters = document.getElementById("filters");
  if (filters) {
    filters.addEventListener("change", (event) => {
      if (event.target.name === "weapon_class") {
        restrictFamilies(filters);
        loadBaselineModelCharts(filters.elements.weapon_class.value, true);
      }
      refreshFilteredCharts(filters);
    });
    filters.addEventListener("reset", () => {
      // The reset event fires before the fields change back.
      setTimeout(() => {
        restrictFamilies(filters);
        refreshFilteredCharts(filters);
      }, 0);
    });
    refreshFilteredCharts(filters);
  }
  const scenario = document.getElementById("scenario-form");
  if (scenario) {
    scenario.addEventListener("submit", (event) => {
      event.preventDefault();
      runScenario(scenario);
    });
  }
  loadBaselineModelCharts(filters ? filters.elements.weapon_class.value : "", false);
});
