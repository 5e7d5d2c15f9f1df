// missilewatch dashboard: fetch chart JSON from the API and draw it with plotly.js.
// Every chart div counts its redraws in data-revision, so a reader (or a test) can wait
// for a new drawing instead of guessing how long it takes.
"use strict";

const PLOT_CONFIG = { responsive: true, displaylogo: false };

// The chart's title and footer are page text around the drawing (text wraps on a narrow
// screen, where the figure's own annotations would be cut off); the footer ends with a
// download of the drawn numbers as CSV.
function chartText(div, id, tag, className, where) {
  let element = document.getElementById(id);
  if (!element) {
    element = document.createElement(tag);
    element.id = id;
    element.className = className;
    div.insertAdjacentElement(where, element);
  }
  return element;
}

function setChartText(div, figure) {
  const meta = (figure.layout && figure.layout.meta) || {};
  if (!meta.title) return;
  const title = chartText(div, `${div.id}-title`, "h3", "chart-title", "beforebegin");
  title.textContent = meta.title;
  if (meta.subtitle) {
    const small = document.createElement("small");
    small.textContent = meta.subtitle;
    title.append(small);
  }
  const footer = chartText(div, `${div.id}-footer`, "div", "chart-footer", "afterend");
  footer.replaceChildren(
    ...(meta.footer || []).map((line) => {
      const span = document.createElement("span");
      span.className = "footer-line";
      span.textContent = line;
      return span;
    })
  );
  if (figure.csv) {
    const link = document.createElement("a");
    const previous = div.dataset.csvUrl;
    if (previous) URL.revokeObjectURL(previous);
    div.dataset.csvUrl = URL.createObjectURL(new Blob([figure.csv], { type: "text/csv;charset=utf-8" }));
    link.href = div.dataset.csvUrl;
    link.download = `${meta.key || div.id}.csv`;
    link.className = "download";
    link.textContent = "Download the data (CSV)";
    footer.append(link);
  }
}

function draw(div, figure) {
  const layout = { ...figure.layout };
  if (layout.meta && layout.meta.title) {
    layout.title = { text: "" };
    layout.annotations = (layout.annotations || []).filter((note) => note.name !== "footer");
    layout.margin = { ...(layout.margin || {}), t: 10, b: 40 };
  }
  Plotly.react(div, figure.data, layout, PLOT_CONFIG);
  setChartText(div, figure);
  div.dataset.revision = String(Number(div.dataset.revision || "0") + 1);
}

// Each cell names its column, for the one-card-per-row layout of narrow screens.
function labelCells(table) {
  if (!table.tHead || !table.tHead.rows.length) return;
  const head = Array.from(table.tHead.rows[0].cells, (cell) => cell.textContent.trim());
  for (const body of table.tBodies) {
    for (const row of body.rows) {
      Array.from(row.cells).forEach((cell, column) => {
        if (head[column]) cell.dataset.label = head[column];
      });
    }
  }
}

// A CSV download under a table, built from its cells when clicked.
function csvCell(text) {
  const value = text.replace(/\s+/g, " ").trim();
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function addTableDownload(table, name) {
  if (table.dataset.download) return;
  table.dataset.download = "yes";
  const button = document.createElement("button");
  button.type = "button";
  button.className = "csv";
  button.textContent = "Download this table (CSV)";
  button.addEventListener("click", () => {
    const lines = Array.from(table.rows, (row) => Array.from(row.cells, (cell) => csvCell(cell.textContent)).join(","));
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([lines.join("\n") + "\n"], { type: "text/csv;charset=utf-8" }));
    link.download = name;
    document.body.append(link);
    link.click();
    link.remove();
  });
  table.insertAdjacentElement("afterend", button);
}

// ---- headline strip -----------------------------------------------------------------

const HEADLINE_SECTIONS = {
  "#launches": "#launches",
  "#intercepts": "#intercepts",
  "#stockpile": "#stockpile",
  "#air-defense": "#defense",
};

async function loadHeadline() {
  const strip = document.getElementById("headline-strip");
  const note = document.getElementById("headline-note");
  if (!strip) return;
  try {
    const body = await fetchJSON("/api/headline");
    strip.replaceChildren(
      ...body.headlines.map((item) => {
        const li = document.createElement("li");
        li.id = `headline-${item.key}`;
        const link = document.createElement("a");
        link.href = HEADLINE_SECTIONS[item.anchor] || item.anchor || "#";
        for (const part of ["label", "value", "range", "basis"]) {
          const span = document.createElement("span");
          span.className = part;
          span.textContent = item[part];
          link.append(span);
        }
        li.append(link);
        return li;
      })
    );
    if (note) {
      note.textContent =
        `Model figures: baseline, ${NUMBER.format(body.paths)} paths, seed ${body.seed}; ranges hold 90% ` +
        "of the paths. The report (missilewatch report) runs more paths.";
    }
  } catch (error) {
    strip.replaceChildren();
    if (note) note.textContent = `Could not compute the headline numbers: ${error.message}`;
  }
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

const FILTER_FIELDS = ["start", "end", "weapon_class", "family"];

// The filters live in the address, so a reload or a shared link shows the same view.
function filtersFromAddress(form) {
  const params = new URLSearchParams(window.location.search);
  for (const name of FILTER_FIELDS) {
    const value = params.get(name);
    const field = form.elements[name];
    if (value === null || !field) continue;
    if (field.tagName === "SELECT" && !Array.from(field.options).some((o) => o.value === value)) continue;
    field.value = value;
  }
}

function filtersToAddress(form) {
  const query = filterQuery(form);
  const address = window.location.pathname + (query ? `?${query}` : "") + window.location.hash;
  window.history.replaceState(null, "", address);
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

// Post a form's body as JSON; ``show`` draws the answer and returns the status line. A
// refusal is shown next to the form and marks the field it names ("raid.Iskander-M"
// marks "raid"), or ``defaultField`` when it names none.
async function submitForm(form, { url, body, errorId, statusId, busy, show, defaultField = "" }) {
  const errorBox = document.getElementById(errorId);
  const status = document.getElementById(statusId);
  const button = form.querySelector("button[type=submit]");
  showError(errorBox, "");
  for (const element of form.elements) element.removeAttribute("aria-invalid");
  status.textContent = busy;
  button.disabled = true;
  try {
    const result = await fetchJSON(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body(form)),
    });
    status.textContent = show(result);
  } catch (error) {
    status.textContent = "";
    showError(errorBox, error.message);
    const name = (error.field || defaultField).split(".")[0];
    const field = name && form.elements[name];
    if (field && field.setAttribute) field.setAttribute("aria-invalid", "true");
  } finally {
    button.disabled = false;
  }
}

function runScenario(form) {
  return submitForm(form, {
    url: "/api/scenario-runs",
    body: scenarioBody,
    errorId: "scenario-error",
    statusId: "scenario-status",
    busy: "Running…",
    show: (result) => {
      drawModelFigures(result.figures);
      showNotes(payloadNotes(result));
      return result.description || "Done.";
    },
  });
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

// ---- the raid form -------------------------------------------------------------------

const NUMBER = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 1 });
const WHOLE = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 0 });
const PERCENT = new Intl.NumberFormat("en-GB", { style: "percent", maximumFractionDigits: 0 });

function cell(text, numeric) {
  const td = document.createElement("td");
  td.textContent = text;
  if (numeric) td.className = "num";
  return td;
}

function fillTable(table, rows) {
  const body = table.querySelector("tbody");
  body.replaceChildren(
    ...rows.map((cells) => {
      const tr = document.createElement("tr");
      tr.append(...cells);
      return tr;
    })
  );
  table.hidden = rows.length === 0;
  labelCells(table);
}

// Percentiles of counts are whole numbers to the reader: 5-95% of 34.2 and 74.1 reads 34–74.
function range(low, high) {
  return `${WHOLE.format(low)}–${WHOLE.format(high)}`;
}

function showRaidResult(result) {
  fillTable(
    document.getElementById("raid-leakers"),
    result.leakers.map((row) => [
      cell(row.threat === "all" ? "whole raid" : row.threat),
      cell(row.weapon_class === "all" ? "" : row.weapon_class),
      cell(NUMBER.format(row.launched), true),
      cell(NUMBER.format(row.engaged_mean), true),
      cell(NUMBER.format(row.mean), true),
      cell(range(row.p5, row.p95), true),
      cell(PERCENT.format(row.leak_share), true),
    ])
  );
  fillTable(
    document.getElementById("raid-interceptors"),
    result.interceptors.map((row) => [
      cell(row.interceptor),
      cell(row.fire_system || ""),
      cell(NUMBER.format(row.stock_mean), true),
      cell(NUMBER.format(row.mean), true),
      cell(range(row.p5, row.p95), true),
      cell(PERCENT.format(row.p_stock_short), true),
    ])
  );
  drawModelFigures(result.figures);
}

function raidBody(form) {
  const body = { raid: form.elements.raid.value };
  for (const name of ["paths", "seed"]) {
    const value = form.elements[name].value;
    if (value === "") continue;
    const number = Number(value);
    body[name] = Number.isFinite(number) ? number : value;
  }
  return body;
}

function runRaid(form) {
  return submitForm(form, {
    url: "/api/raid",
    body: raidBody,
    errorId: "raid-error",
    statusId: "raid-status",
    busy: "Simulating…",
    defaultField: "raid",
    show: (result) => {
      showRaidResult(result);
      const total = result.leakers.find((row) => row.threat === "all");
      const notes = (result.warnings || []).join(" ");
      return (
        `${NUMBER.format(total.launched)} launched: ${NUMBER.format(total.mean)} not intercepted ` +
        `on average (90% of paths: ${range(total.p5, total.p95)}); ` +
        `${NUMBER.format(result.request.paths)} paths, seed ${result.request.seed}.` +
        (notes ? ` ${notes}` : "")
      );
    },
  });
}

async function loadRaidThreats() {
  const list = document.getElementById("raid-threats");
  const known = document.getElementById("raid-known");
  if (!list) return;
  try {
    const body = await fetchJSON("/api/raid/threats");
    const names = body.threats.map((row) => row.threat);
    list.replaceChildren(
      ...names.map((name) => {
        const option = document.createElement("option");
        option.value = `${name}=`;
        return option;
      })
    );
    if (known) known.textContent = `Families the model engages: ${names.join(", ")}.`;
  } catch (error) {
    if (known) known.textContent = `Could not list the families: ${error.message}`;
  }
}

// ---- how well it does ------------------------------------------------------------------

const VALIDATION_COLUMNS = {
  published: [
    ["publisher", "published by"],
    ["what", "figure"],
    ["start", "from"],
    ["end", "to"],
    ["rule", "rule"],
    ["tool_value", "tool", true],
    ["published_value", "published", true],
    ["difference_pct", "difference %", true],
    ["within_tolerance", "within"],
  ],
  forecast: [
    ["series", "class"],
    ["horizon", "months ahead", true],
    ["crps", "CRPS", true],
    ["skill_vs_last_month", "skill vs last month", true],
    ["skill_vs_mean_3_months", "skill vs 3-month mean", true],
    ["coverage_50", "in 50% band", true],
    ["coverage_80", "in 80% band", true],
    ["bias_pct", "bias %", true],
  ],
};

function validationValue(key, value) {
  if (value === true) return "yes";
  if (value === false) return "no";
  if (typeof value === "number") {
    if (key.startsWith("coverage")) return PERCENT.format(value);
    if (key.startsWith("skill")) return value.toFixed(2);
    if (key.endsWith("_pct")) return `${value > 0 ? "+" : ""}${value.toFixed(1)}`;
    return NUMBER.format(value);
  }
  return value === null || value === undefined ? "" : String(value);
}

function validationTable(name, rows) {
  const columns = VALIDATION_COLUMNS[name];
  if (!columns || rows.length === 0) return null;
  const table = document.createElement("table");
  table.className = "validation";
  const head = document.createElement("thead");
  const headRow = document.createElement("tr");
  for (const [, label] of columns) {
    const th = document.createElement("th");
    th.textContent = label;
    headRow.append(th);
  }
  head.append(headRow);
  table.append(head, document.createElement("tbody"));
  fillTable(
    table,
    rows.map((row) =>
      columns.map(([key, , numeric]) => {
        const td = cell(validationValue(key, row[key]), numeric);
        if (key === "publisher" && row.address) {
          const link = document.createElement("a");
          link.href = row.address;
          link.rel = "noreferrer";
          link.textContent = row.publisher;
          td.replaceChildren(link);
        }
        return td;
      })
    )
  );
  return table;
}

async function loadValidation() {
  const holder = document.getElementById("validation-sections");
  if (!holder) return;
  try {
    const body = await fetchJSON("/api/validate?mode=quick");
    const parts = [];
    for (const [name, section] of Object.entries(body.sections)) {
      const title = document.createElement("h3");
      title.textContent = section.title;
      const summary = document.createElement("p");
      summary.textContent = section.summary;
      parts.push(title, summary);
      const table = validationTable(name, section.rows);
      if (table) parts.push(table);
    }
    holder.replaceChildren(...parts);
  } catch (error) {
    showError(document.getElementById("validation-status"), error.message);
  }
}

// The validation runs a backtest: fetch it when its section comes into view, so it does
// not compete with the charts and forms at the top of the page.
function watchValidation() {
  const section = document.getElementById("validation");
  if (!section) return;
  if (!("IntersectionObserver" in window)) {
    loadValidation();
    return;
  }
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting)) {
      observer.disconnect();
      loadValidation();
    }
  }, { rootMargin: "200px" });
  observer.observe(section);
}

document.addEventListener("DOMContentLoaded", () => {
  watchValidation();
  const filters = document.getElementById("filters");
  if (filters) {
    filtersFromAddress(filters);
    restrictFamilies(filters);
    filters.addEventListener("change", (event) => {
      if (event.target.name === "weapon_class") {
        restrictFamilies(filters);
        loadBaselineModelCharts(filters.elements.weapon_class.value, true);
      }
      filtersToAddress(filters);
      refreshFilteredCharts(filters);
    });
    filters.addEventListener("reset", () => {
      // The reset event fires before the fields change back.
      setTimeout(() => {
        restrictFamilies(filters);
        filtersToAddress(filters);
        refreshFilteredCharts(filters);
      }, 0);
    });
    refreshFilteredCharts(filters);
  }
  loadHeadline();
  document.querySelectorAll("table").forEach((table) => {
    labelCells(table);
    addTableDownload(table, `${(table.className || table.id || "table").split(" ")[0]}.csv`);
  });
  const scenario = document.getElementById("scenario-form");
  if (scenario) {
    scenario.addEventListener("submit", (event) => {
      event.preventDefault();
      runScenario(scenario);
    });
  }
  const raidForm = document.getElementById("raid-form");
  if (raidForm) {
    raidForm.addEventListener("submit", (event) => {
      event.preventDefault();
      runRaid(raidForm);
    });
    loadRaidThreats();
  }
  loadBaselineModelCharts(filters ? filters.elements.weapon_class.value : "", false);
});
