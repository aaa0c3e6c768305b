// The planners' workbench page: plain JavaScript and SVG, no library, nothing fetched
// from outside the workbench's own server. Every text is set with textContent.
"use strict";
(function () {
  const token = new URLSearchParams(location.search).get("token") || "";
  const SVG = "http://www.w3.org/2000/svg";
  const FIGURES = [
    // [state key, test id, label word, decimals, is a larger value worse?]
    ["placed", "placed", "placed", 0, false],
    ["first_choice", "first-choice", "first_choice", 0, false],
    ["outside_catchment", "outside-catchment", "outside", 0, true],
    ["sweep", "sweep", "sweep", 0, true],
    ["guaranteed_unplaced", "guaranteed-unplaced", "guaranteed_unplaced", 0, true],
    ["schools_oversubscribed", "schools-oversubscribed", "schools_oversubscribed", 0, true],
    ["surplus_seats", "surplus-seats", "surplus", 0, false],
    ["distance_mean", "distance-mean", "distance_mean", 2, true],
    ["distance_p95", "distance-p95", "distance_p95", 2, true],
  ];
  const COLOURS = { red: "#c62828", orange: "#ef6c00", yellow: "#d4a106", "": "#2e7d32" };
  const view = { lang: "zh", state: null, map: null, selected: null, placing: null, revision: 0 };

  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs, text) => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  };
  const svg = (tag, attrs) => {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    return node;
  };
  const w = (key) => (view.state && view.state.words[key]) || key;
  const locale = () => (view.lang === "zh" ? "zh-CN" : "en-US");
  const number = (value, digits) => value === null || value === undefined ? "–" :
    new Intl.NumberFormat(locale(), { minimumFractionDigits: digits || 0,
                                      maximumFractionDigits: digits || 0 }).format(value);
  const signed = (value, digits) => {
    if (value === null || value === undefined) return "";
    if (Math.abs(value) < 1e-9) return "±0";
    return (value > 0 ? "+" : "−") + number(Math.abs(value), digits);
  };
  const schoolName = (id) => {
    const row = view.state.schools.find((s) => s.school_id === id);
    return row ? `${row.name || id}` : id;
  };
  const tierLabel = (name) => (view.state.tiers[name] || name);

  async function api(path, options) {
    const request = Object.assign({ headers: {} }, options || {});
    request.headers.Authorization = "Bearer " + token;
    const separator = path.includes("?") ? "&" : "?";
    const response = await fetch(path + separator + "lang=" + view.lang, request);
    const body = await response.json().catch(() => ({}));
    return { ok: response.ok, status: response.status, body };
  }

  function setBusy(busy) { document.body.dataset.busy = busy ? "1" : "0"; }

  async function change(path, payload, contentType) {
    setBusy(true);
    const options = { method: "POST" };
    if (payload !== undefined) {
      options.body = contentType ? payload : JSON.stringify(payload);
      options.headers = { "Content-Type": contentType || "application/json" };
    }
    const answer = await api(path, options);
    if (answer.ok) {
      showError(null);
      render(answer.body);
    } else {
      showError(answer.body.problems || [answer.body.detail || ("HTTP " + answer.status)]);
      bump();
    }
    setBusy(false);
  }

  const edit = (payload) => change("/api/edits", payload);

  function showError(problems) {
    const box = $("error");
    view.problems = problems;
    box.replaceChildren();
    if (!problems) { box.hidden = true; return; }
    const dismiss = el("button", { type: "button", "aria-label": "×" }, "×");
    dismiss.addEventListener("click", () => showError(null));
    box.append(dismiss, el("strong", {}, w("refused_edit")));
    for (const problem of problems) box.append(el("div", { "data-testid": "problem" }, problem));
    box.hidden = false;
  }

  function bump() { view.revision += 1; document.body.dataset.revision = String(view.revision); }

  // ------------------------------------------------------------------ rendering
  function render(state) {
    view.state = state;
    view.lang = state.lang;
    document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
    document.title = w("wb_title") + " · " + state.scenario.name;
    for (const node of document.querySelectorAll("[data-word]")) node.textContent = w(node.dataset.word);
    $("title").textContent = w("wb_title");
    $("language").textContent = w("language");
    $("language").setAttribute("lang", state.lang === "zh" ? "en" : "zh-CN");
    $("scenario-name").textContent = `${state.scenario.name} · ${state.scenario.policy} · ` +
      `${number(state.scenario.applicants)}`;
    $("undo").disabled = !state.can_undo;
    $("redo").disabled = !state.can_redo;
    $("reset").disabled = !state.can_undo;
    $("save").href = "/api/scenario.yaml?token=" + encodeURIComponent(token);
    $("download-run").href = "/api/run.zip?reports=true&lang=" + state.lang + "&token=" +
      encodeURIComponent(token);
    if (view.problems) showError(view.problems);
    renderFigures(state);
    renderSchools(state);
    renderMapState(state);
    renderForms(state);
    renderEdits(state);
    renderProposal(state);
    if (view.selected && !state.schools.some((s) => s.school_id === view.selected)) view.selected = null;
    renderDetail();
    loadMovers();
    loadComparison();
    bump();
  }

  function renderFigures(state) {
    const box = $("figures");
    box.replaceChildren();
    for (const [key, testid, word, digits, worse] of FIGURES) {
      const card = el("div", { class: "figure" });
      card.append(el("div", { class: "label" }, w(word)));
      card.append(el("div", { class: "value", "data-testid": testid }, number(state.figures[key], digits)));
      const delta = state.change[key];
      const direction = !delta ? "same" : delta > 0 ? "up" : "down";
      const text = state.can_undo ? `${signed(delta, digits)} ${w("vs_base")}` : w("base");
      card.append(el("div", { class: `delta ${direction}${worse ? " bad" : ""}`,
                              "data-testid": testid + "-change" }, text));
      box.append(card);
    }
  }

  function levelBadge(level) {
    return el("span", { class: "level " + (level || "none") }, level ? w("level_" + level) : w("level_none"));
  }

  function renderSchools(state) {
    const table = $("schools");
    const head = el("tr");
    const columns = [["school_id", "ID", "text"], ["name", w("name"), "text"], ["plan", w("plan")],
      ["classes", w("classes")], ["placed", w("placed")], ["surplus", w("surplus")],
      ["demand", w("demand")], ["pressure", w("pressure")], ["warning", w("warning"), "text"],
      ["actions", "", "text"]];
    for (const [, label, cls] of columns) head.append(el("th", cls ? { class: cls, scope: "col" } : { scope: "col" }, label));
    table.tHead.replaceChildren(head);
    const body = el("tbody");
    for (const school of state.schools) {
      const changed = school.plan_change !== 0 || school.placed_change !== 0 || school.new;
      const row = el("tr", { "data-testid": "school-row", "data-school-id": school.school_id,
                             class: (changed ? "changed " : "") + (school.school_id === view.selected ? "selected" : "") });
      row.append(el("td", { class: "text" }, school.school_id));
      const name = el("td", { class: "text" });
      const link = el("button", { type: "button", class: "linkish" }, school.name || school.school_id);
      link.addEventListener("click", () => select(school.school_id));
      name.append(link);
      if (school.new) name.append(" ", el("em", {}, w("new")));
      row.append(name);
      row.append(el("td", { class: "plan", "data-testid": "plan" },
                    number(school.plan) + (school.plan_change ? ` (${signed(school.plan_change)})` : "")));
      row.append(el("td", {}, number(school.classes)));
      row.append(el("td", { class: "placed", "data-testid": "school-placed" },
                    number(school.placed) + (school.placed_change ? ` (${signed(school.placed_change)})` : "")));
      row.append(el("td", {}, number(school.surplus)));
      row.append(el("td", {}, number(school.demand)));
      row.append(el("td", {}, school.pressure === null ? "–" : number(school.pressure, 2)));
      const level = el("td", { class: "text" });
      level.append(levelBadge(school.level));
      row.append(level);
      const actions = el("td", { class: "text row-actions" });
      const add = el("button", { type: "button", "data-testid": "add-class",
                                 "aria-label": `${w("add_class")} ${school.name}`, title: w("add_class") }, "+1");
      add.addEventListener("click", () => edit({ kind: "classes", school: school.school_id, classes: 1 }));
      const remove = el("button", { type: "button", "data-testid": "remove-class",
                                    "aria-label": `${w("remove_class")} ${school.name}`, title: w("remove_class") }, "−1");
      remove.addEventListener("click", () => edit({ kind: "classes", school: school.school_id, classes: -1 }));
      actions.append(add, remove);
      row.append(actions);
      body.append(row);
    }
    table.tBodies[0].replaceWith(body);
    for (const id of state.closed) {
      const row = el("tr", { class: "closed" });
      row.append(el("td", { class: "text" }, id), el("td", { class: "text", colspan: "9" }, w("closed")));
      body.append(row);
    }
  }

  // ------------------------------------------------------------------ the map
  function hue(id) {
    let hash = 0;
    for (const ch of id) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
    return hash % 360;
  }

  function project(lat, lon) {
    const p = view.map.projection;
    return [(lon - p.lon_min) * p.cos_lat * p.scale, (p.lat_max - lat) * p.scale];
  }

  function unproject(x, y) {
    const p = view.map.projection;
    return [p.lat_max - y / p.scale, p.lon_min + x / (p.cos_lat * p.scale)];
  }

  function buildMap(map) {
    view.map = map;
    const root = $("map");
    const p = map.projection;
    root.setAttribute("viewBox", `0 0 ${p.width} ${p.height}`);
    root.replaceChildren();
    root.append(svg("rect", { x: 0, y: 0, width: p.width, height: p.height, fill: "#eef1ea" }));
    root.append(svg("g", { id: "tiles-layer" }));
    const attribution = $("tiles-attribution");
    attribution.hidden = !map.tiles;
    if (map.tiles) attribution.textContent = map.tiles.attribution || new URL(map.tiles.url.replace(/[{}]/g, "")).host;
    const zones = svg("g", { id: "zones-layer" });
    for (const [zone, rings] of Object.entries(map.zones)) {
      for (const ring of rings) {
        const polygon = svg("polygon", { class: "zone", "data-zone": zone,
                                         points: ring.map((pt) => pt.join(",")).join(" ") });
        const title = svg("title");
        title.textContent = zone;
        polygon.append(title);
        zones.append(polygon);
      }
    }
    const density = svg("g", { id: "density-layer" });
    const cell = map.density.cell;
    const top = Math.log1p(map.density.max || 1);
    for (const [column, row, count] of map.density.cells) {
      density.append(svg("rect", { x: column * cell, y: row * cell, width: cell, height: cell,
                                   fill: "#37474f", "fill-opacity": (0.06 + 0.5 * Math.log1p(count) / top).toFixed(3) }));
    }
    root.append(zones, density, svg("g", { id: "flows-layer" }), svg("g", { id: "proposal-layer" }),
                svg("g", { id: "schools-layer" }), svg("g", { id: "marks-layer" }));
    wireZoom(root);
  }

  // ------------------------------------------------------------------ map tiles (optional)
  // Web Mercator tiles ({z}/{x}/{y}) drawn under the layers; each tile is placed by projecting
  // its corners, which over a county is exact to well under a pixel per tile.
  const tileX = (lon, z) => (lon + 180) / 360 * 2 ** z;
  const tileY = (lat, z) => {
    const phi = lat * Math.PI / 180;
    return (1 - Math.log(Math.tan(phi) + 1 / Math.cos(phi)) / Math.PI) / 2 * 2 ** z;
  };
  const tileLon = (x, z) => x / 2 ** z * 360 - 180;
  const tileLat = (y, z) => Math.atan(Math.sinh(Math.PI * (1 - 2 * y / 2 ** z))) * 180 / Math.PI;
  let tilesPending = false;
  function scheduleTiles() {
    if (!view.map || !view.map.tiles || tilesPending) return;
    tilesPending = true;
    requestAnimationFrame(() => { tilesPending = false; drawTiles(); });
  }

  function drawTiles() {
    const box = view.box, layer = $("tiles-layer");
    const pixels = $("map").getBoundingClientRect().width || 800;
    // the drawn area can be wider or taller than the view box (the SVG keeps its aspect)
    const [north, west] = unproject(box.x - box.width / 2, box.y - box.height / 2);
    const [south, east] = unproject(box.x + 1.5 * box.width, box.y + 1.5 * box.height);
    const degreesPerPixel = (east - west) / 2 / pixels;
    const z = Math.max(0, Math.min(19, Math.round(Math.log2(360 / (256 * degreesPerPixel)))));
    const [x0, x1] = [Math.floor(tileX(west, z)), Math.floor(tileX(east, z))];
    const [y0, y1] = [Math.floor(tileY(north, z)), Math.floor(tileY(south, z))];
    const wanted = new Set();
    for (let x = x0; x <= x1; x++) for (let y = y0; y <= y1; y++) {
      if (wanted.size < 150 && y >= 0 && y < 2 ** z) wanted.add(`${z}/${x}/${y}`);
    }
    for (const image of [...layer.children]) if (!wanted.has(image.dataset.tile)) image.remove();
    const drawn = new Set([...layer.children].map((image) => image.dataset.tile));
    for (const key of wanted) {
      if (drawn.has(key)) continue;
      const [tz, tx, ty] = key.split("/").map(Number);
      const [left, top] = project(tileLat(ty, tz), tileLon(tx, tz));
      const [right, bottom] = project(tileLat(ty + 1, tz), tileLon(tx + 1, tz));
      const wrapped = ((tx % 2 ** tz) + 2 ** tz) % 2 ** tz;
      const url = view.map.tiles.url.replace("{z}", tz).replace("{x}", wrapped).replace("{y}", ty);
      const image = svg("image", { class: "tile", href: url, x: left, y: top, width: right - left,
                                   height: bottom - top, preserveAspectRatio: "none",
                                   "data-tile": key, "data-testid": "map-tile" });
      image.addEventListener("load", () => { image.dataset.loaded = "1"; });
      layer.append(image);
    }
  }

  // zoom (wheel, buttons, + and - keys) and pan (drag) by changing the view box
  function setBox(box) {
    const p = view.map.projection;
    const width = Math.min(p.width, Math.max(p.width / 40, box.width));
    const height = width * p.height / p.width;
    const x = Math.min(Math.max(box.x, -p.width * 0.1), p.width * 1.1 - width);
    const y = Math.min(Math.max(box.y, -p.height * 0.1), p.height * 1.1 - height);
    view.box = { x, y, width, height };
    $("map").setAttribute("viewBox", `${x} ${y} ${width} ${height}`);
    scheduleTiles();
    const zoom = p.width / width;
    for (const mark of document.querySelectorAll("#schools-layer .school")) {
      mark.setAttribute("r", (Number(mark.dataset.radius) / Math.pow(zoom, 0.75)).toFixed(2));
    }
  }

  function zoomBy(factor, cx, cy) {
    const box = view.box;
    const x = cx === undefined ? box.x + box.width / 2 : cx;
    const y = cy === undefined ? box.y + box.height / 2 : cy;
    setBox({ x: x - (x - box.x) / factor, y: y - (y - box.y) / factor,
             width: box.width / factor, height: box.height / factor });
  }

  function localPoint(root, event) {
    const point = root.createSVGPoint();
    point.x = event.clientX; point.y = event.clientY;
    return point.matrixTransform(root.getScreenCTM().inverse());
  }

  function wireZoom(root) {
    const p = view.map.projection;
    view.box = { x: 0, y: 0, width: p.width, height: p.height };
    root.addEventListener("wheel", (event) => {
      event.preventDefault();
      const at = localPoint(root, event);
      zoomBy(event.deltaY < 0 ? 1.25 : 0.8, at.x, at.y);
    }, { passive: false });
    let drag = null;
    root.addEventListener("pointerdown", (event) => {
      if (event.target.closest(".school")) return;
      drag = { x: event.clientX, y: event.clientY, box: { ...view.box }, moved: false };
    });
    root.addEventListener("pointermove", (event) => {
      if (!drag) return;
      const scale = drag.box.width / root.getBoundingClientRect().width;
      const dx = event.clientX - drag.x, dy = event.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 4) drag.moved = true;
      if (drag.moved) setBox({ ...drag.box, x: drag.box.x - dx * scale, y: drag.box.y - dy * scale });
    });
    root.addEventListener("pointerup", (event) => {
      const moved = drag && drag.moved;
      drag = null;
      if (moved || event.target.closest(".school")) return;
      const local = localPoint(root, event);
      view.placing = unproject(local.x, local.y);
      drawPlacing();
      $("new-position").textContent = `${view.placing[0].toFixed(5)}, ${view.placing[1].toFixed(5)}`;
    });
    $("zoom-in").addEventListener("click", () => zoomBy(1.5));
    $("zoom-out").addEventListener("click", () => zoomBy(1 / 1.5));
    $("zoom-reset").addEventListener("click", () => setBox({ x: 0, y: 0, width: p.width, height: p.height }));
    $("zoom-town").addEventListener("click", () => zoomToBusiest());
  }

  // the densest part of the county (the town), where most schools stand
  function zoomToBusiest() {
    const p = view.map.projection;
    let best = null;
    for (const [column, row, count] of view.map.density.cells) if (!best || count > best[2]) best = [column, row, count];
    if (!best) return;
    const cell = view.map.density.cell;
    const width = p.width / 6;
    setBox({ x: (best[0] + 0.5) * cell - width / 2, y: (best[1] + 0.5) * cell - width * p.height / p.width / 2,
             width, height: width * p.height / p.width });
  }

  function drawPlacing() {
    const layer = $("marks-layer");
    layer.replaceChildren();
    if (!view.placing) return;
    const [x, y] = project(view.placing[0], view.placing[1]);
    layer.append(svg("circle", { class: "new-mark", cx: x, cy: y, r: 12 }));
  }

  function renderMapState(state) {
    if (!view.map) return;
    const servers = state.zones;
    for (const polygon of document.querySelectorAll("#zones-layer .zone")) {
      const schools = servers[polygon.dataset.zone] || [];
      const colour = schools.length ? `hsl(${hue(schools[0])}, 45%, 62%)` : "#bdbdbd";
      polygon.setAttribute("fill", colour);
      const selected = view.selected && schools.includes(view.selected);
      polygon.setAttribute("fill-opacity", selected ? "0.45" : "0.16");
      polygon.classList.toggle("selected", !!selected);
    }
    const layer = $("schools-layer");
    layer.replaceChildren();
    const largest = Math.max(1, ...state.schools.map((s) => s.plan));
    const ordered = [...state.schools].sort((a, b) => b.plan - a.plan);
    let unplaced = 0;
    for (const school of ordered) {
      // a school without a position still gets its mark, in a row along the bottom edge
      const placed = school.lat !== null && school.lon !== null;
      const index = placed ? 0 : unplaced++;
      const [x, y] = placed ? project(school.lat, school.lon)
        : [20 + 30 * (index % 30), view.map.projection.height - 20 - 30 * Math.floor(index / 30)];
      const radius = 3 + 13 * Math.sqrt(school.plan / largest);
      const colour = school.kind === "private" ? "#7e57c2" : COLOURS[school.level] || COLOURS[""];
      const mark = svg("circle", { class: `school ${school.kind}${school.school_id === view.selected ? " selected" : ""}`,
        cx: x.toFixed(1), cy: y.toFixed(1), r: radius.toFixed(1), "data-radius": radius.toFixed(2),
        fill: colour, "fill-opacity": "0.85",
        tabindex: "0", role: "button", "data-testid": "map-school", "data-school-id": school.school_id,
        "aria-label": `${school.name} ${w("plan")} ${number(school.plan)} ${w("placed")} ${number(school.placed)}` });
      const title = svg("title");
      title.textContent = `${school.school_id} ${school.name}${placed ? "" : " (" + w("no_position") + ")"}\n${w("plan")} ${number(school.plan)} · ` +
        `${w("placed")} ${number(school.placed)} · ${w("pressure")} ${school.pressure === null ? "–" : number(school.pressure, 2)}`;
      mark.append(title);
      mark.addEventListener("click", (event) => { event.stopPropagation(); select(school.school_id); });
      mark.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); select(school.school_id); }
      });
      layer.append(mark);
    }
    drawProposal(state);
    if (view.box) setBox(view.box);
    renderLegend();
  }

  function renderLegend() {
    const legend = $("legend");
    legend.replaceChildren();
    const item = (colour, label) => {
      const span = el("span");
      span.append(el("span", { class: "swatch", style: `background:${colour}` }), label);
      legend.append(span);
    };
    item(COLOURS.red, w("level_red")); item(COLOURS.orange, w("level_orange"));
    item(COLOURS.yellow, w("level_yellow")); item(COLOURS[""], w("level_none"));
    item("#7e57c2", w("private_school"));
    item("rgba(55,71,79,.45)", w("homes"));
    item("hsla(200,45%,62%,.4)", w("zones_layer"));
    if (view.state && view.state.proposal) item("#d84315", w("proposal_layer"));
  }

  function drawFlows(story) {
    const layer = $("flows-layer");
    layer.replaceChildren();
    if (!story) return;
    const from = view.state.schools.find((s) => s.school_id === story.school_id);
    if (!from || from.lat === null) return;
    const [x1, y1] = project(from.lat, from.lon);
    const most = Math.max(1, ...story.refused_went_to.map((d) => d.children));
    for (const target of story.refused_went_to) {
      const to = view.state.schools.find((s) => s.school_id === target.school_id);
      if (!to || to.lat === null) continue;
      const [x2, y2] = project(to.lat, to.lon);
      const line = svg("line", { class: "flow", x1, y1, x2, y2,
                                 "stroke-width": (1.5 + 7 * target.children / most).toFixed(1) });
      const title = svg("title");
      title.textContent = `${to.name}: ${number(target.children)}`;
      line.append(title);
      layer.append(line);
    }
  }

  // ------------------------------------------------------------------ one school
  async function select(id) {
    view.selected = id;
    for (const row of document.querySelectorAll("[data-testid=school-row]")) {
      row.classList.toggle("selected", row.dataset.schoolId === id);
    }
    renderMapState(view.state);
    await renderDetail();
  }

  async function renderDetail() {
    const box = $("detail");
    if (!view.selected) { box.hidden = true; drawFlows(null); return; }
    const answer = await api("/api/school/" + encodeURIComponent(view.selected));
    if (!answer.ok) { box.hidden = true; drawFlows(null); return; }
    const story = answer.body;
    box.replaceChildren();
    box.append(el("h2", {}, `${story.name} (${story.school_id})`));
    const facts = el("table", { class: "detail-table" });
    const fact = (label, value) => {
      const row = el("tr");
      row.append(el("td", {}, label), el("td", {}, value));
      facts.append(row);
    };
    fact(w("plan"), number(story.plan));
    fact(w("placed"), number(story.placed));
    fact(w("surplus"), number(story.surplus));
    fact(w("pressure"), story.pressure === null ? "–" : number(story.pressure, 2));
    fact(w("cutoff"), story.cutoff_tier ? `${tierLabel(story.cutoff_tier)}, ${story.cutoff_lottery}` : w("none"));
    const warning = el("td");
    warning.append(levelBadge(story.level));
    const warningRow = el("tr");
    warningRow.append(el("td", {}, w("warning")), warning);
    facts.append(warningRow);
    box.append(facts);
    box.append(tierTable(w("demand_by_tier"), story.demand_by_tier));
    box.append(tierTable(w("admitted_by_tier"), story.admitted_by_tier));
    box.append(el("h3", { class: "small" }, w("refused_went")));
    const went = el("table", { class: "detail-table", "data-testid": "refused-went" });
    for (const target of story.refused_went_to.slice(0, 12)) {
      const row = el("tr");
      row.append(el("td", {}, target.school_id ? schoolName(target.school_id) : w("not_placed")),
                 el("td", {}, number(target.children)));
      went.append(row);
    }
    box.append(went);
    const plan = el("form", { class: "inline" });
    const input = el("input", { type: "number", value: String(story.plan), "data-testid": "plan-input",
                                "aria-label": w("set_plan") });
    plan.append(input, el("button", { type: "submit", "data-testid": "plan-apply" }, w("set_plan")));
    plan.addEventListener("submit", (event) => {
      event.preventDefault();
      edit({ kind: "plan", school: story.school_id, plan: input.value.trim() });
    });
    box.append(plan);
    const close = el("button", { type: "button", "data-testid": "close-school" }, w("close_school"));
    close.addEventListener("click", () => edit({ kind: "close", school: story.school_id }));
    box.append(close);
    box.hidden = false;
    drawFlows(story);
  }

  function tierTable(title, counts) {
    const wrap = el("div");
    wrap.append(el("h3", { class: "small" }, title));
    const table = el("table", { class: "detail-table" });
    if (!Object.keys(counts).length) wrap.append(el("p", { class: "muted small" }, w("none")));
    for (const [tier, count] of Object.entries(counts)) {
      const row = el("tr");
      row.append(el("td", {}, tierLabel(tier)), el("td", {}, number(count)));
      table.append(row);
    }
    wrap.append(table);
    return wrap;
  }

  // ------------------------------------------------------------------ forms and lists
  function option(value, label, selected) {
    const node = el("option", { value }, label);
    if (selected) node.selected = true;
    return node;
  }

  function renderForms(state) {
    const zoneSelect = $("zone-select");
    const chosenZone = zoneSelect.value;
    zoneSelect.replaceChildren(...Object.keys(state.zones).map((zone) => option(zone, zone, zone === chosenZone)));
    const servers = state.zones[zoneSelect.value] || [];
    const schoolOptions = (selected) => state.schools.filter((s) => s.kind === "public")
      .map((s) => option(s.school_id, `${s.school_id} ${s.name}`, selected.includes(s.school_id)));
    $("zone-schools").replaceChildren(...schoolOptions(servers));
    $("new-zones").replaceChildren(...Object.keys(state.zones).map((zone) => option(zone, zone, false)));
    $("inflow").checked = state.policy.inflow_counties.length > 0;
    const rules = ["within_tier", "own_tier", "tier_zero", "off"];
    $("older-sibling").replaceChildren(...rules.map((rule) =>
      option(rule, w("older_sibling_" + rule), rule === state.policy.older_sibling)));
  }

  function renderEdits(state) {
    const list = $("edits");
    list.replaceChildren();
    if (!state.edits.length) list.append(el("li", { class: "muted" }, w("no_edits")));
    for (const text of state.edits) list.append(el("li", {}, text));
    $("solve-time").textContent = w("solved_in").replace("{s}", number(state.solve.seconds, 2)) +
      ` (${w(state.solve.warm ? "warm" : "cold")})`;
  }

  // the comparison's reasons (allocator compare), in the page's language
  function why(reason) {
    const plan = /^plan changed at (.+)$/.exec(reason);
    if (plan) return w("why_plan").replace("{school}", schoolName(plan[1]));
    if (reason === "plan changed") return w("why_plan").replace("{school}", "").trim();
    const tier = /^priority tier changed: (.*) -> (.*)$/.exec(reason);
    if (tier) return w("why_tier").replace("{before}", tierLabel(tier[1])).replace("{after}", tierLabel(tier[2]));
    if (reason.startsWith("chain")) return w("why_chain");
    if (reason.startsWith("new applicant")) return w("why_new");
    if (reason.startsWith("applicant removed")) return w("why_removed");
    return reason;
  }

  async function loadMovers() {
    const answer = await api("/api/movers");
    if (!answer.ok) return;
    const movers = answer.body;
    const reasons = Object.entries(movers.by_reason).map(([reason, n]) => `${why(reason)}: ${number(n)}`).join("; ");
    $("movers-summary").textContent = `${w("total")}: ${number(movers.count)}` + (reasons ? ` (${reasons})` : "");
    const head = el("tr");
    for (const label of [w("applicant"), w("from_school"), w("to_school"), w("why")]) {
      head.append(el("th", { class: "text", scope: "col" }, label));
    }
    $("movers").tHead.replaceChildren(head);
    const body = el("tbody");
    for (const mover of movers.rows) {
      const row = el("tr");
      row.append(el("td", { class: "text" }, mover.applicant_id),
                 el("td", { class: "text" }, mover.from ? schoolName(mover.from) : w("not_placed")),
                 el("td", { class: "text" }, mover.to ? schoolName(mover.to) : w("not_placed")),
                 el("td", { class: "text" }, why(mover.why)));
      body.append(row);
    }
    $("movers").tBodies[0].replaceWith(body);
  }

  // the headline metrics of the base, the kept plans and the current plan (allocator compare)
  const METRIC_WORDS = { distance_km_mean: "distance_mean", distance_km_p95: "distance_p95",
                         surplus_seats: "surplus" };
  async function loadComparison() {
    const answer = await api("/api/compare");
    if (!answer.ok) return;
    const { runs, rows } = answer.body;
    const label = (run) => (run === "base" ? w("base") : run === "current" ? w("current") : run);
    const head = el("tr");
    head.append(el("th", { class: "text", scope: "col" }, w("metric")));
    for (const run of runs) head.append(el("th", { scope: "col" }, label(run)));
    $("compare").tHead.replaceChildren(head);
    const body = el("tbody");
    for (const row of rows) {
      const tr = el("tr");
      const digits = row.metric.startsWith("distance") ? 2 : 0;
      tr.append(el("td", { class: "text" }, w(METRIC_WORDS[row.metric] || row.metric)));
      for (const run of runs) {
        const change = row[run + "_change"];
        tr.append(el("td", {}, number(row[run], digits) +
                               (change ? ` (${signed(change, digits)})` : "")));
      }
      body.append(tr);
    }
    const links = el("tr", { class: "downloads" });
    links.append(el("td", { class: "text" }, w("download_plan")));
    for (const run of runs) {
      const cell = el("td");
      cell.append(el("a", { class: "button", download: "", "data-testid": "download-plan", "data-plan": run,
        "aria-label": `${w("download")} ${label(run)}`,
        href: `/api/run.zip?plan=${encodeURIComponent(run)}&reports=true&lang=${view.lang}&token=${encodeURIComponent(token)}` },
        w("download")));
      links.append(cell);
    }
    body.append(links);
    $("compare").tBodies[0].replaceWith(body);
  }

  // the season: per later round its headline figures and a row per school
  const SEASON_FIGURES = ["applicants_moved:season_moved", "newly_placed:season_newly_placed",
    "declined:season_declined", "late_applicants_placed:season_late_placed",
    "still_waiting:season_waiting", "longest_chain:season_longest_chain"];
  const SEASON_COLUMNS = ["freed", "filled", "moved_out", "late_placed", "waiting"];
  function renderSeasonForm(files) {
    const select = $("season-responses");
    const chosen = select.value;
    select.replaceChildren(...files.map((name) => option(name, name, name === chosen)));
    if (!files.length) select.append(option("", w("season_no_responses"), true));
    select.disabled = $("season-run").disabled = !files.length;
    const lottery = $("season-lottery");
    const order = lottery.value || "same";
    lottery.replaceChildren(...["same", "reversed"].map((name) => option(name, w("lottery_" + name), name === order)));
  }

  async function runRound() {
    setBusy(true);
    const query = `?responses=${encodeURIComponent($("season-responses").value)}&lottery=${$("season-lottery").value}`;
    const answer = await api("/api/season/run" + query, { method: "POST" });
    if (answer.ok) { showError(null); await loadSeason(); } else showError(answer.body.problems || ["HTTP " + answer.status]);
    bump();
    setBusy(false);
  }

  async function loadSeason() {
    const answer = await api("/api/season");
    if (!answer.ok) return;
    const rounds = answer.body.rounds;
    renderSeasonForm(answer.body.responses);
    const blocks = [];
    for (const round of rounds) {
      const block = el("div", { class: "season-round", "data-testid": "season-round", "data-round": round.name });
      const title = round.number ? w("season_round").replace("{n}", number(round.number)) : "";
      const run = round.responses ? [round.responses, w("lottery_" + round.lottery)] : [];
      block.append(el("h3", {}, [title, round.name, ...run].filter(Boolean).join(" · ")));
      const list = el("div", { class: "season-figures" });
      for (const item of SEASON_FIGURES) {
        const [key, word] = item.split(":");
        const tile = el("div", { class: "figure" });
        tile.append(el("div", { class: "label" }, w(word)),
                    el("div", { class: "value", "data-testid": "season-" + key }, number(round.headline[key])));
        list.append(tile);
      }
      block.append(list);
      const table = el("table", { "data-testid": "season-schools" });
      const head = el("tr");
      head.append(el("th", { class: "text", scope: "col" }, w("schools")));
      for (const column of SEASON_COLUMNS) head.append(el("th", { scope: "col" }, w("season_" + column)));
      table.append(el("thead"), el("tbody"));
      table.tHead.append(head);
      for (const school of round.schools) {
        const row = el("tr", { "data-testid": "season-school", "data-school-id": school.school_id });
        row.append(el("td", { class: "text" }, `${school.school_id} ${school.name}`.trim()));
        for (const column of SEASON_COLUMNS) {
          row.append(el("td", { "data-column": column, class: school[column] ? "" : "muted" }, number(school[column])));
        }
        table.tBodies[0].append(row);
      }
      const wrap = el("div", { class: "table-wrap short" });
      wrap.append(table);
      block.append(wrap);
      blocks.push(block);
    }
    $("season-rounds").replaceChildren(...blocks);
  }

  // ------------------------------------------------------------------ zoning proposal
  const STATUS_CLASS = { pending: "pending", accepted: "accepted", rejected: "rejected" };
  const schoolList = (ids) => ids.map((id) => `${id} ${schoolName(id) === id ? "" : schoolName(id)}`.trim()).join("、");

  async function loadProposals() {
    const answer = await api("/api/proposals");
    if (!answer.ok) return;
    const select = $("proposal-select");
    const chosen = select.value;
    const names = answer.body.available;
    select.replaceChildren(...names.map((name) => option(name, name, name === chosen)));
    if (!names.length) select.append(option("", w("proposal_none"), true));
    select.disabled = !names.length;
    $("proposal-open").disabled = !names.length;
  }

  function renderProposal(state) {
    const proposal = state.proposal;
    $("proposal-body").hidden = !proposal;
    if (!proposal) return;
    $("proposal-name").textContent = proposal.name;
    const counts = proposal.counts;
    $("proposal-counts").textContent = w("proposal_counts").replace("{moves}", number(proposal.moves.length))
      .replace("{pending}", number(counts.pending)).replace("{accepted}", number(counts.accepted))
      .replace("{rejected}", number(counts.rejected));
    $("proposal-source").textContent = w(proposal.source === "roster" ? "proposal_source_roster" : "proposal_source_table");
    $("proposal-accept-all").disabled = counts.pending === 0;
    const head = el("tr");
    const columns = [[proposal.columns.zone, "text"], [w("proposal_from"), "text"], [w("proposal_to"), "text"],
      [proposal.columns.children], [proposal.columns.distance_km_change], [w("proposal_status"), "text"], ["", "text"]];
    for (const [label, cls] of columns) head.append(el("th", cls ? { class: cls, scope: "col" } : { scope: "col" }, label));
    $("proposal-moves").tHead.replaceChildren(head);
    const body = el("tbody");
    for (const move of proposal.moves) {
      const row = el("tr", { "data-testid": "proposal-move", "data-zone": move.zone, "data-status": move.status,
                             class: move.zone === view.focusedMove ? "focused" : "" });
      const zone = el("button", { type: "button", class: "linkish" }, move.zone);
      zone.addEventListener("click", () => focusMove(move.zone));
      const zoneCell = el("td", { class: "text" });
      zoneCell.append(zone);
      const status = el("td", { class: "text" });
      status.append(el("span", { class: "status " + STATUS_CLASS[move.status] }, w("status_" + move.status)));
      row.append(zoneCell, el("td", { class: "text" }, schoolList(move.from)), el("td", { class: "text" }, schoolList(move.to)),
                 el("td", {}, number(move.children)),
                 el("td", {}, move.distance_change_km === null ? "–" : signed(move.distance_change_km, 2)), status);
      const actions = el("td", { class: "text row-actions" });
      const label = `${move.zone} → ${schoolList(move.to)}`;
      if (move.status === "pending") {
        const accept = el("button", { type: "button", "data-testid": "proposal-accept", "aria-label": `${w("proposal_accept")} ${label}` }, w("proposal_accept"));
        accept.addEventListener("click", () => change("/api/proposal/accept?zone=" + encodeURIComponent(move.zone)));
        const reject = el("button", { type: "button", "data-testid": "proposal-reject", "aria-label": `${w("proposal_reject")} ${label}` }, w("proposal_reject"));
        reject.addEventListener("click", () => change("/api/proposal/reject?zone=" + encodeURIComponent(move.zone)));
        actions.append(accept, reject);
      } else if (move.status === "rejected") {
        const restore = el("button", { type: "button", "data-testid": "proposal-restore", "aria-label": `${w("proposal_restore")} ${label}` }, w("proposal_restore"));
        restore.addEventListener("click", () => change("/api/proposal/reject?undo=true&zone=" + encodeURIComponent(move.zone)));
        actions.append(restore);
      }
      row.append(actions);
      body.append(row);
    }
    $("proposal-moves").tBodies[0].replaceWith(body);
  }

  function focusMove(zone) {
    view.focusedMove = view.focusedMove === zone ? null : zone;
    for (const row of document.querySelectorAll("[data-testid=proposal-move]")) {
      row.classList.toggle("focused", row.dataset.zone === view.focusedMove);
    }
    drawProposal(view.state);
  }

  // the moved communities on the map: the zone's outline and a dashed line to its proposed school
  function drawProposal(state) {
    const layer = $("proposal-layer");
    if (!layer) return;
    layer.replaceChildren();
    if (!state || !state.proposal || !view.map) return;
    for (const move of state.proposal.moves) {
      const focused = move.zone === view.focusedMove ? " focused" : "";
      const cls = `proposal ${move.status}${focused}`;
      const label = `${move.zone}: ${schoolList(move.from)} → ${schoolList(move.to)} · ` +
        `${w("status_" + move.status)} · ${number(move.children)}`;
      const group = svg("g", { "data-testid": "proposal-mark", "data-zone": move.zone, "data-status": move.status });
      const title = svg("title");
      title.textContent = label;
      group.append(title);
      for (const ring of (view.map.zones[move.zone] || [])) {
        group.append(svg("polygon", { class: `proposal-zone ${cls}`, points: ring.map((pt) => pt.join(",")).join(" ") }));
      }
      const at = move.lat !== null && move.lon !== null ? project(move.lat, move.lon) : ringCentre(view.map.zones[move.zone]);
      const to = state.schools.find((s) => s.school_id === move.to[0]);
      if (at && to && to.lat !== null) {
        const [x2, y2] = project(to.lat, to.lon);
        group.append(svg("line", { class: `proposal-line ${cls}`, x1: at[0], y1: at[1], x2, y2 }));
      }
      if (at) group.append(svg("circle", { class: `proposal-point ${move.status}${focused}`, cx: at[0], cy: at[1], r: 5 }));
      group.addEventListener("click", (event) => { event.stopPropagation(); focusMove(move.zone); });
      layer.append(group);
    }
  }

  function ringCentre(rings) {
    const points = (rings || []).flat();
    if (!points.length) return null;
    return [points.reduce((a, p) => a + p[0], 0) / points.length, points.reduce((a, p) => a + p[1], 0) / points.length];
  }

  // ------------------------------------------------------------------ wiring
  function wire() {
    $("undo").addEventListener("click", () => change("/api/undo"));
    $("redo").addEventListener("click", () => change("/api/redo"));
    $("reset").addEventListener("click", () => change("/api/reset"));
    $("language").addEventListener("click", async () => {
      view.lang = view.lang === "zh" ? "en" : "zh";
      await refresh();
    });
    $("zone-select").addEventListener("change", () => renderForms(view.state));
    $("keep-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      await change("/api/keep?name=" + encodeURIComponent($("keep-name").value));
      $("keep-name").value = "";
    });
    $("zone-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const serve = [...$("zone-schools").selectedOptions].map((o) => o.value);
      edit({ kind: "zone", zone: $("zone-select").value, serve });
    });
    $("new-school-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const county = view.state.policy.counties[0];
      const payload = { kind: "new_school", school: $("new-id").value.trim(), name: $("new-name").value.trim(),
                        classes: Number($("new-classes").value || 0), county,
                        zones: [...$("new-zones").selectedOptions].map((o) => o.value) };
      payload.capacity = payload.classes * (view.state.policy.class_size.primary || 45);
      if (!view.placing) { showError([w("new_school_hint")]); return; }
      payload.lat = Number(view.placing[0].toFixed(6));
      payload.lon = Number(view.placing[1].toFixed(6));
      edit(payload).then(() => { view.placing = null; drawPlacing(); $("new-position").textContent = ""; });
    });
    $("inflow").addEventListener("change", (event) => edit({ kind: "policy", key: "migrants.inflow_counties",
      value: event.target.checked ? view.state.policy.counties : [] }));
    $("older-sibling").addEventListener("change", (event) => edit({ kind: "policy",
      key: "siblings.older_sibling", value: event.target.value }));
    $("proposal-open").addEventListener("click", () =>
      change("/api/proposal?name=" + encodeURIComponent($("proposal-select").value)));
    $("proposal-accept-all").addEventListener("click", () => change("/api/proposal/accept-all"));
    $("season-form").addEventListener("submit", (event) => { event.preventDefault(); runRound(); });
    $("proposal-file").addEventListener("change", async (event) => {
      const file = event.target.files[0];
      if (!file) return;
      await change("/api/proposal", await file.text(), "application/yaml");
      event.target.value = "";
    });
    $("load-file").addEventListener("change", async (event) => {
      const file = event.target.files[0];
      if (!file) return;
      await change("/api/scenario", await file.text(), "application/yaml");
      event.target.value = "";
    });
    document.addEventListener("keydown", (event) => {
      if (event.target.closest("input, select, textarea")) return;
      const key = event.key.toLowerCase();
      if ((event.ctrlKey || event.metaKey) && key === "z" && !event.shiftKey) { event.preventDefault(); change("/api/undo"); }
      if ((event.ctrlKey || event.metaKey) && (key === "y" || (key === "z" && event.shiftKey))) { event.preventDefault(); change("/api/redo"); }
      if (key === "+" || key === "=") zoomBy(1.5);
      if (key === "-") zoomBy(1 / 1.5);
      if (key === "escape") { view.selected = null; renderMapState(view.state); renderDetail(); }
    });
  }

  async function refresh() {
    setBusy(true);
    const answer = await api("/api/state");
    if (answer.ok) render(answer.body);
    await loadProposals();
    await loadSeason();
    setBusy(false);
  }

  async function start() {
    wire();
    const map = await api("/api/map");
    if (map.ok) buildMap(map.body);
    await refresh();
  }

  start();
})();
