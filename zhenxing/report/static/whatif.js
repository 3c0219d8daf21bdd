/* whatif.html: re-score, re-rank and re-flag in the browser at every input (zhenxing.report.whatif).
 *
 * The arithmetic is the library's (zhenxing.scoring, zhenxing.aggregate, zhenxing.precision):
 *   weights renormalised to the scale: W' = W * scale / sum(W); w = W' / sum(W')
 *   base = scale * sum_d w_d A_d                       (arithmetic)
 *   base = scale * (exp(sum_d w_d ln(A_d + off)) - off) (geometric; a zero factor with w_d > 0 gives 0)
 *   total = max(0, base + bonus - deduction), published as integer steps of 10^-decimals, half away from zero
 *   after snapping |x| * 10^p to 6 decimals; ranks = competition ranks on steps; flagged = fewer than
 *   quota units of the category strictly below; city score = mean of published totals (integer steps).
 */
(function () {
  "use strict";
  const D = JSON.parse(document.getElementById("whatif-data").textContent);
  const T = D.text, U = D.units;
  const n = U.code.length, nd = D.dimensions.length, nc = D.categories.length, ncity = D.cities.length;
  const P10 = Math.pow(10, D.decimals), K = D.quota;
  const A = { arithmetic: Float64Array.from(U.A.arithmetic), geometric: Float64Array.from(U.A.geometric) };
  const members = Array.from({ length: nc }, () => []);
  U.category.forEach((c, i) => members[c].push(i));
  const home = [];
  U.city.forEach((c, i) => { if (c === D.home_city) home.push(i); });
  const baselineWeights = D.dimensions.map(d => d.weight);

  // ---- the arithmetic -------------------------------------------------------
  function rint(y) { // numpy's rint: round half to even
    const r = Math.round(y);
    return (r - y === 0.5 && r % 2 !== 0) ? r - 1 : r;
  }
  function toSteps(x) { // zhenxing.precision.to_steps
    const scaled = rint(Math.abs(x) * P10 * 1e6) / 1e6;
    return Math.sign(x) * Math.floor(scaled + 0.5);
  }
  function fmt(q) { // integer steps as text with exactly `decimals` places
    if (!isFinite(q)) return q > 0 ? "∞" : "−∞";
    const sign = q < 0 ? "-" : "", a = Math.abs(q);
    if (D.decimals === 0) return sign + a;
    return sign + Math.floor(a / P10) + "." + String(a % P10).padStart(D.decimals, "0");
  }
  function lowerBound(sorted, v) { let lo = 0, hi = sorted.length; while (lo < hi) { const m = (lo + hi) >> 1; if (sorted[m] < v) lo = m + 1; else hi = m; } return lo; }
  function upperBound(sorted, v) { let lo = 0, hi = sorted.length; while (lo < hi) { const m = (lo + hi) >> 1; if (sorted[m] <= v) lo = m + 1; else hi = m; } return lo; }

  function score(weights, aggregation) {
    const sum = weights.reduce((s, w) => s + w, 0);
    const scaled = weights.map(w => w * D.scale / sum);
    const sum2 = scaled.reduce((s, w) => s + w, 0);
    const w = scaled.map(x => x / sum2);
    const a = A[aggregation], off = D.geometric_offset, geo = aggregation === "geometric";
    const steps = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let acc = 0, zero = false;
      for (let d = 0; d < nd; d++) {
        const v = a[i * nd + d];
        if (!geo) acc += w[d] * v;
        else if (v + off === 0) zero = zero || w[d] > 0;
        else acc += w[d] * Math.log(v + off);
      }
      const base = geo ? (zero ? 0 : D.scale * (Math.exp(acc) - off)) : D.scale * acc;
      steps[i] = toSteps(Math.max(0, base + U.bonus[i] - U.deduction[i]));
    }
    return standings(steps);
  }

  function standings(steps) {
    const rank = new Int32Array(n), margin = new Float64Array(n), flagged = new Uint8Array(n), risk = new Array(n);
    const closeRanks = K + D.close.ranks, closeSteps = D.close.points_steps;
    for (const idx of members) {
      const m = idx.length;
      const sorted = Float64Array.from(idx, i => steps[i]).sort();
      for (const i of idx) {
        const s = steps[i], below = lowerBound(sorted, s);
        rank[i] = m - upperBound(sorted, s) + 1;
        // the K-th lowest of the *other* units (zhenxing.scoring.bottom_threshold)
        const thr = K <= 0 ? -Infinity : m - 1 < K ? Infinity : (s <= sorted[K - 1] ? sorted[K] : sorted[K - 1]);
        margin[i] = s - thr;
        flagged[i] = below < K ? 1 : 0;
        risk[i] = flagged[i] ? "flagged" : (below < closeRanks || margin[i] <= closeSteps) ? "close" : "safe";
      }
    }
    // cities: published mean of the units' published totals (zhenxing.precision.mean_steps)
    const sums = new Float64Array(ncity), counts = new Float64Array(ncity);
    for (let i = 0; i < n; i++) { sums[U.city[i]] += steps[i]; counts[U.city[i]] += 1; }
    const city = Array.from(sums, (S, c) => Math.sign(S) * Math.floor((2 * Math.abs(S) + counts[c]) / (2 * counts[c])));
    const cityRank = city.map(s => 1 + city.filter(o => o > s).length);
    const lowest = Math.min(...city);
    const cityLast = city.map(s => D.last_city && s === lowest);
    return { steps, rank, margin, flagged, risk, city, cityRank, cityLast };
  }

  // ---- the page ---------------------------------------------------------------
  const el = id => document.getElementById(id);
  const sliders = Array.from(document.querySelectorAll("#sliders input[type=range]"));
  const state = { weights: baselineWeights.slice(), aggregation: "arithmetic" };
  const baseline = score(baselineWeights, "arithmetic");
  const BADGE = { flagged: "red", close: "amber", safe: "green" };
  const COLOURS = { zone: "#c62828", home: "#1565c0", other: "#b0bec5" };
  const FONT = { family: getComputedStyle(document.body).fontFamily, size: 12 };
  const CONFIG = { displayModeBar: false, responsive: true, staticPlot: false };
  const esc = s => String(s).replace(/[&<>"]/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
  const num = v => (Math.round(v * 100) / 100).toString();

  // x at one decimal, half away from zero after snapping (zhenxing.precision.to_steps with 1 decimal)
  const one = x => { const q = Math.sign(x) * Math.floor(rint(Math.abs(x) * 10 * 1e6) / 1e6 + 0.5); return (q / 10).toFixed(1); };

  // beside each slider: its weight and, after the arrow, the points it counts for (W * scale / sum(W))
  function showWeights() {
    const sum = state.weights.reduce((s, w) => s + w, 0);
    sliders.forEach((s, d) => {
      s.value = state.weights[d];
      el(s.id + "-given").textContent = num(state.weights[d]);
      el(s.id + "-effective").textContent = sum > 0 ? one(state.weights[d] * D.scale / sum) : "—";
    });
    el("weights-sum").textContent = T.weights_sum.replace("{sum}", num(sum));
    el("aggregation").value = state.aggregation;
  }

  function homeTable(r) {
    const body = el("home-rows");
    if (!body) return;
    const rows = home.slice().sort((i, j) => r.margin[i] - r.margin[j] || r.rank[j] - r.rank[i] || (U.code[i] < U.code[j] ? -1 : 1));
    body.innerHTML = rows.map(i => {
      const change = baseline.rank[i] - r.rank[i];
      const ch = change > 0 ? ["up", T.up.replace("{n}", change)] : change < 0 ? ["down", T.down.replace("{n}", -change)] : ["", T.same];
      const m = r.margin[i];
      return `<tr class="risk-${r.risk[i]}" data-code="${esc(U.code[i])}">` +
        `<td><span class="badge ${BADGE[r.risk[i]]}" data-flag="${r.flagged[i]}">${esc(T[r.risk[i]])}</span></td>` +
        `<td class="name">${esc(U.name[i])}<span class="code">${esc(U.code[i])}</span></td>` +
        `<td>${esc(D.categories[U.category[i]].name)}</td>` +
        `<td class="num total">${fmt(r.steps[i])}</td>` +
        `<td class="num rank">${r.rank[i]}/${members[U.category[i]].length}</td>` +
        `<td class="num ${ch[0]}">${ch[1]}</td>` +
        `<td class="num">${m > 0 ? "+" : ""}${fmt(m)}</td></tr>`;
    }).join("");
  }

  function changes(r) {
    const names = list => list.length ? list.map(i => esc(U.name[i])).join(T.sep) : T.none;
    const lines = D.categories.map((c, k) => {
      const enters = members[k].filter(i => r.flagged[i] && !baseline.flagged[i]);
      const leaves = members[k].filter(i => !r.flagged[i] && baseline.flagged[i]);
      if (!enters.length && !leaves.length) return "";
      return `<p class="changes" data-category="${k}"><b>${esc(c.name)}</b>${T.colon}` +
        `<span class="enter">${T.enters}</span> ${names(enters)}${T.semicolon}` +
        `<span class="leave">${T.leaves}</span> ${names(leaves)}</p>`;
    }).filter(Boolean);
    el("changes").innerHTML = lines.length ? lines.join("") : `<p class="changes">${T.no_change}</p>`;
  }

  // A long league shows its top, the home city's units and its bottom (rank labels stay the real ranks).
  const MAX_BARS = 60;
  function shown(order, isHome) {
    if (order.length <= MAX_BARS) return order;
    const tail = K + D.close.ranks + 5;
    return order.filter((i, p) => p < 5 || p >= order.length - tail || isHome(i));
  }

  // One horizontal bar chart (Plotly.react: updated in place): label "rank. name  total" in each bar,
  // the warning line (dashed) above the first bar in the zone.
  function bars(div, items, height) {
    const zoneAt = items.findIndex(b => b.zone);
    const trace = {
      type: "bar", orientation: "h", x: items.map(b => b.value), y: items.map((_, p) => p),
      text: items.map(b => b.label), textposition: "inside", insidetextanchor: "start", constraintext: "none",
      textfont: { color: items.map(b => b.colour === COLOURS.other ? "#1f2933" : "#fff"), size: 12 },
      marker: { color: items.map(b => b.colour) }, customdata: items.map(b => b.data),
      hovertemplate: "%{text}<extra></extra>",
    };
    const top = Math.max(...items.map(b => b.value));
    const layout = {
      height, margin: { l: 10, r: 20, t: 6, b: 26 }, font: FONT, showlegend: false, bargap: 0.2,
      xaxis: { range: [0, Math.max(10, top * 1.02)], fixedrange: true, zeroline: false },
      yaxis: { autorange: "reversed", showticklabels: false, fixedrange: true },
      shapes: zoneAt > 0 ? [{ type: "line", xref: "paper", x0: 0, x1: 1, yref: "y", y0: zoneAt - 0.5, y1: zoneAt - 0.5, line: { color: COLOURS.zone, width: 1.5, dash: "dash" } }] : [],
      annotations: zoneAt > 0 ? [{ xref: "paper", x: 1, yref: "y", y: zoneAt - 0.5, text: T.warning_line, showarrow: false, xanchor: "right", yanchor: "bottom", font: { color: COLOURS.zone, size: 12 } }] : [],
      plot_bgcolor: "#fff", paper_bgcolor: "#fff",
    };
    Plotly.react(div, [trace], layout, CONFIG);
  }

  function league(r, k) {
    const all = members[k].slice().sort((i, j) => r.steps[j] - r.steps[i] || (U.code[i] < U.code[j] ? -1 : 1));
    const m = all.length, isHome = i => U.city[i] === D.home_city;
    const items = shown(all, isHome).map(i => {
      const name = `${r.rank[i]}. ${esc(U.name[i])}  ${fmt(r.steps[i])}`;
      return { value: r.steps[i] / P10, zone: r.flagged[i] === 1, label: isHome(i) ? `<b>${name}</b>` : name,
               colour: r.flagged[i] ? COLOURS.zone : isHome(i) ? COLOURS.home : COLOURS.other,
               data: [U.code[i], `${r.rank[i]}/${m}`, r.flagged[i], fmt(r.steps[i])] };
    });
    bars(el("league-" + k), items, Math.max(120, 19 * items.length + 36));
  }

  function cityLeague(r) {
    const all = Array.from({ length: ncity }, (_, c) => c).sort((a, b) => r.city[b] - r.city[a] || (D.cities[a] < D.cities[b] ? -1 : 1));
    const items = shown(all, c => c === D.home_city).map(c => {
      const name = `${r.cityRank[c]}. ${esc(D.cities[c])}  ${fmt(r.city[c])}`;
      return { value: r.city[c] / P10, zone: false, label: c === D.home_city ? `<b>${name}</b>` : name,
               colour: r.cityLast[c] ? COLOURS.zone : c === D.home_city ? COLOURS.home : COLOURS.other,
               data: [D.cities[c], `${r.cityRank[c]}/${ncity}`, r.cityLast[c] ? 1 : 0, fmt(r.city[c])] };
    });
    bars(el("city-league"), items, Math.max(120, 19 * items.length + 36));
    const last = all.filter(c => r.cityLast[c]).map(c => esc(D.cities[c]));
    el("last-city").innerHTML = last.length ? T.city_last.replace("{names}", last.join(T.sep)) : "";
  }

  // Charts are redrawn when they are on screen; the others when they come into view.
  const charts = [...D.categories.map((_, k) => ["league-" + k, r => league(r, k)]), ["city-league", cityLeague]];
  const visible = new Set(), stale = new Set();
  function draw(id) { const c = charts.find(x => x[0] === id); c[1](api.result); stale.delete(id); }
  const observer = "IntersectionObserver" in window ? new IntersectionObserver(entries => {
    for (const e of entries) {
      if (e.isIntersecting) { visible.add(e.target.id); if (stale.has(e.target.id) && api.result) draw(e.target.id); }
      else visible.delete(e.target.id);
    }
  }, { rootMargin: "200px" }) : null;

  // An input is handled at once (re-score, re-rank, re-flag, the table and the changes); the charts follow
  // in the next animation frames, one chart per frame, always from the latest result, so that dragging a
  // slider never waits for plotly's redraws (each takes about a frame on its own).
  const pending = [];
  let frame = 0;
  function drawNext() {
    frame = 0;
    const t0 = performance.now();
    const id = pending.shift();
    if (id !== undefined) draw(id);
    api.lastChartMs = performance.now() - t0;
    if (pending.length) frame = requestAnimationFrame(drawNext);
    else api.drawn = true;
  }
  function schedule(id) {
    if (!pending.includes(id)) pending.push(id);
    if (!frame) frame = requestAnimationFrame(drawNext);
  }

  function update() {
    const t0 = performance.now();
    showWeights();
    const sum = state.weights.reduce((s, w) => s + w, 0);
    el("error").hidden = sum > 0;
    if (!(sum > 0)) return;
    const r = score(state.weights, state.aggregation);
    api.result = r;
    homeTable(r);
    changes(r);
    api.drawn = false;
    for (const [id] of charts) {
      if (api.drawAll) draw(id);  // tests read every chart right after the input
      else if (!observer || visible.has(id)) schedule(id);
      else stale.add(id);
    }
    if (api.drawAll || !pending.length) api.drawn = true;
    api.lastMs = performance.now() - t0;
  }

  function preset(id) {
    const p = D.presets.find(s => s.id === id);
    if (!p) return;
    state.weights = p.weights.slice();
    state.aggregation = p.aggregation;
    el("preset").value = id;
    update();
  }

  sliders.forEach((s, d) => s.addEventListener("input", () => {
    state.weights[d] = parseFloat(s.value);
    el("preset").value = "";
    update();
  }));
  el("preset").addEventListener("change", e => preset(e.target.value));
  el("aggregation").addEventListener("change", e => { state.aggregation = e.target.value; el("preset").value = ""; update(); });
  el("reset").addEventListener("click", () => { state.weights = baselineWeights.slice(); state.aggregation = "arithmetic"; el("preset").value = D.presets.length ? D.presets[0].id : ""; update(); });

  // for tests and the benchmark: the state, the last result and the time the last input took (ms)
  // drawAll: redraw every chart at every input, on screen or not (the tests read every chart)
  // lastMs: the synchronous handling of the last input; lastChartMs: the last chart redrawn in a frame;
  // drawn: every chart on screen shows the latest result
  const api = { state, score, result: null, lastMs: 0, lastChartMs: 0, drawn: false, codes: U.code, drawAll: false };
  window.whatif = api;
  api.drawAll = true;
  el("preset").value = D.presets.length && D.presets[0].id === "baseline" ? "baseline" : (D.presets.length ? D.presets[0].id : "");
  update();  // the first drawing: every chart
  api.drawAll = false;
  if (observer) charts.forEach(([id]) => observer.observe(el(id)));
  // printing: every chart up to date and as wide as the printed page
  window.addEventListener("beforeprint", () => { charts.forEach(([id]) => { draw(id); Plotly.Plots.resize(el(id)); }); });
  window.zhenxingReady = true;
})();
