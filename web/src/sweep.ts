// Sweeps: run a small grid or Monte Carlo sample over a built-in scenario from the page
// (POST /api/sweeps, the options of `fleetplan sweep`), follow its progress, and read the
// result (GET /api/sweeps/ID, the JSON of `fleetplan sweep --json`): the statistics of
// every output and the distribution (CDF) of the metric over the runs.
import { api, ApiError, type SweepJson, type SweepOptions } from "./api";
import { draw, palette } from "./charts";
import { count, esc, money, percent, quantity, when } from "./format";

const EXAMPLES = {
  grid: "periods[2026].budget=120 bn CNY:200 bn CNY:5",
  // The performance model's error moves the served tokens; the budget, in the reference
  // scenario, does not (supply caps bind first).
  "monte-carlo": "perf.error=lognormal(1,0.15)\nprocurement[H20,buy].unit_price=uniform(10000 USD,15000 USD)",
};

//! An output's value in its unit ("tokens/day", "USD", "share", "accelerators", "flag", ...).
function inUnit(value: number | null | undefined, unit: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  if (unit === "USD" || /^[A-Z]{3}$/.test(unit)) return money(value, unit);
  if (unit === "share" || unit === "flag") return percent(value);
  if (unit === "accelerators") return count(value);
  if (unit === "tokens/day" || unit === "FLOP/s") return quantity(value, unit);
  return `${value.toPrecision(4)} ${esc(unit)}`;
}

export async function renderSweeps(root: HTMLElement): Promise<void> {
  root.innerHTML = `<div class="loading">Loading…</div>`;
  const [{ scenarios }, list] = await Promise.all([api.scenarios(), api.sweeps("?limit=20")]);
  root.innerHTML = `
  <div class="page-head"><div><h1>Sweeps</h1>
    <p class="lede">What-if grids and Monte Carlo samples over a scenario: the same as <code>fleetplan sweep</code>, one plan per run. At most the server's sweep limit of runs (larger sweeps: the command line, on every core or with mpirun).</p></div></div>
  <div class="editor-layout">
    <section class="panel sweep-form">
      <div class="panel-head"><h2>New sweep</h2></div>
      <label class="field"><span>Scenario</span><select id="sweep-scenario">${scenarios.map((s) => `<option${s.default ? " selected" : ""}>${esc(s.name)}</option>`).join("")}</select></label>
      <div class="field"><span>Mode</span>
        <label class="check"><input type="radio" name="mode" value="grid" checked /> Grid: every combination of the values (<code>--set</code>)</label>
        <label class="check"><input type="radio" name="mode" value="monte-carlo" /> Monte Carlo: values drawn from distributions (<code>--vary</code>)</label></div>
      <label class="field"><span>Parameters, one <code>PATH=VALUES</code> a line</span>
        <textarea id="sweep-params" rows="4" spellcheck="false">${esc(EXAMPLES.grid)}</textarea></label>
      <p class="muted small" id="sweep-hint">A list <code>a,b,c</code> or a range <code>low:high:n</code> of a scenario field, with its unit.</p>
      <div class="row">
        <label class="field" id="samples-field" hidden><span>Samples</span><input id="sweep-samples" type="number" min="1" value="50" /></label>
        <label class="field" id="seed-field" hidden><span>Seed</span><input id="sweep-seed" type="number" min="0" value="1" /></label>
        <label class="field"><span>Metric</span><input id="sweep-metric" type="text" value="served_tokens_per_day" spellcheck="false" /></label>
      </div>
      <button class="primary wide" id="run-sweep">Run sweep</button>
      <div class="progress" id="progress" hidden>
        <div class="progress-label"><span id="progress-text">Queued</span><span id="progress-pct"></span></div>
        <div class="bar"><div class="fill" id="progress-fill"></div></div>
      </div>
      <div class="error-box" id="sweep-error" hidden></div>
    </section>
    <aside class="side"><section class="panel">
      <div class="panel-head"><h2>Recent sweeps</h2></div>
      ${list.sweeps.length === 0 ? `<p class="empty">No sweeps yet.</p>` : `<table class="data" id="sweeps-table"><thead><tr><th class="r">sweep</th><th>scenario</th><th>runs</th><th>state</th></tr></thead><tbody>
      ${list.sweeps.map((s) => `<tr><td class="r num"><a href="#/sweeps/${s.sweep_id}">#${s.sweep_id}</a></td><td>${esc(s.scenario)}<div class="muted small">${when(s.finished_at ?? s.created_at)}</div></td>
        <td class="small">${s.headline ? `${esc(s.headline.mode)}, ${s.headline.runs}` : "–"}</td><td><span class="pill ${s.state === "done" ? "ok" : s.state === "failed" ? "bad" : "info"}">${esc(s.state)}</span></td></tr>`).join("")}
      </tbody></table>`}
    </section></aside>
  </div>`;

  const params = root.querySelector<HTMLTextAreaElement>("#sweep-params")!;
  const hint = root.querySelector<HTMLParagraphElement>("#sweep-hint")!;
  const errorBox = root.querySelector<HTMLDivElement>("#sweep-error")!;
  const mode = () => root.querySelector<HTMLInputElement>('input[name="mode"]:checked')!.value as "grid" | "monte-carlo";
  root.querySelectorAll<HTMLInputElement>('input[name="mode"]').forEach((radio) => radio.addEventListener("change", () => {
    const m = mode();
    if (Object.values(EXAMPLES).includes(params.value.trim())) params.value = EXAMPLES[m];
    root.querySelector<HTMLElement>("#samples-field")!.hidden = m !== "monte-carlo";
    root.querySelector<HTMLElement>("#seed-field")!.hidden = m !== "monte-carlo";
    hint.innerHTML = m === "grid"
      ? "A list <code>a,b,c</code> or a range <code>low:high:n</code> of a scenario field, with its unit."
      : "normal(mean,sd), lognormal(median,sigma), uniform(lo,hi), triangular(lo,mode,hi), choice(a:p,b:q), bernoulli(p); values with the field's unit.";
  }));

  const run = root.querySelector<HTMLButtonElement>("#run-sweep")!;
  run.addEventListener("click", async () => {
    errorBox.hidden = true;
    run.disabled = true;
    const lines = params.value.split("\n").map((l) => l.trim()).filter(Boolean);
    const options: SweepOptions = { metric: root.querySelector<HTMLInputElement>("#sweep-metric")!.value.trim() || undefined };
    if (mode() === "grid") options.set = lines;
    else {
      options.vary = lines;
      options.samples = Number(root.querySelector<HTMLInputElement>("#sweep-samples")!.value);
      options.seed = Number(root.querySelector<HTMLInputElement>("#sweep-seed")!.value);
    }
    const progress = root.querySelector<HTMLDivElement>("#progress")!;
    const fill = root.querySelector<HTMLDivElement>("#progress-fill")!;
    const label = root.querySelector<HTMLSpanElement>("#progress-text")!;
    const pct = root.querySelector<HTMLSpanElement>("#progress-pct")!;
    try {
      const started = await api.startSweep(root.querySelector<HTMLSelectElement>("#sweep-scenario")!.value, options);
      progress.hidden = false;
      for (;;) {
        const job = await api.job(started.job_id);
        fill.style.width = `${Math.round(job.progress * 100)}%`;
        pct.textContent = `${Math.round(job.progress * 100)} %`;
        label.textContent = job.state === "queued" ? "Queued" : job.state === "running" ? `Planning the runs of sweep ${started.sweep_id}…` : job.state === "done" ? "Done" : "Failed";
        if (job.state === "done") {
          location.hash = `#/sweeps/${started.sweep_id}`;
          return;
        }
        if (job.state === "failed") throw new Error(job.error ?? "the sweep failed");
        await new Promise((r) => setTimeout(r, 400));
      }
    } catch (e) {
      errorBox.hidden = false;
      errorBox.textContent = e instanceof ApiError || e instanceof Error ? e.message : String(e);
      progress.hidden = true;
    } finally {
      run.disabled = false;
    }
  });
}

//! The empirical CDF of one output over the runs with a plan: (value, share of runs at or below).
function cdf(sweep: SweepJson, name: string): { x: number; y: number }[] {
  const values = sweep.runs.map((r) => r.outputs[name]).filter((v): v is number => typeof v === "number" && Number.isFinite(v)).sort((a, b) => a - b);
  return values.map((x, i) => ({ x, y: (i + 1) / values.length }));
}

export async function renderSweep(root: HTMLElement, id: number): Promise<void> {
  root.innerHTML = `<div class="loading">Loading sweep ${id}…</div>`;
  const s = await api.sweep(id);
  const metric = s.summary.outputs.find((o) => o.name === s.metric);
  const shown = s.summary.outputs.filter((o) => o.runs > 0);
  const modeText = s.mode === "monte-carlo" ? `Monte Carlo, ${s.samples} samples (seed ${s.seed})` : s.mode === "tornado" ? "tornado" : "grid";
  root.innerHTML = `
  <div class="page-head"><div><h1 id="sweep-title">${esc(s.scenario)}: sweep ${id}</h1>
    <p class="lede">${esc(modeText)}, ${esc(s.objective)}; ${s.summary.planned} of ${s.summary.runs} runs planned, ${s.summary.infeasible} infeasible. ${esc(s.source)}.</p></div>
    <div class="actions"><a class="button" href="/api/sweeps/${id}" download="sweep-${id}.json">JSON</a><a class="button" href="#/sweeps">New sweep</a></div></div>
  <section class="panel"><div class="panel-head"><h2>Parameters</h2></div>
    <table class="data"><thead><tr><th>parameter</th><th>in the scenario</th><th>values</th></tr></thead><tbody>
    ${s.parameters.map((p) => `<tr><td><code>${esc(p.path)}</code></td><td>${esc(p.base ?? "–")}</td><td>${esc(p.distribution ?? (p.values ?? []).join(", "))}</td></tr>`).join("")}
    </tbody></table></section>
  ${metric ? `<section class="panel"><div class="panel-head"><h2>Distribution of ${esc(s.metric)}</h2><span class="muted small">${esc(metric.description)}; share of runs at or below each value</span></div>
    <div class="chart"><canvas id="sweep-cdf"></canvas></div>
    <div class="kpis">
      ${(["p10", "p50", "p90"] as const).map((q) => `<div class="kpi"><span class="kpi-label">${q.toUpperCase()}</span><span class="kpi-value">${inUnit(metric[q], metric.unit)}</span></div>`).join("")}
      <div class="kpi"><span class="kpi-label">Mean</span><span class="kpi-value">${inUnit(metric.mean, metric.unit)}</span></div></div></section>` : ""}
  <section class="panel"><div class="panel-head"><h2>Outputs over the runs with a plan</h2><span class="muted small">quantiles by linear interpolation between runs</span></div>
    <div class="scroll"><table class="data" id="sweep-summary"><thead><tr><th>output</th><th class="r">mean</th><th class="r">P10</th><th class="r">P50</th><th class="r">P90</th><th class="r">min</th><th class="r">max</th><th class="r">runs</th></tr></thead><tbody>
    ${shown.map((o) => `<tr${o.name === s.metric ? ' class="highlight"' : ""}><td><code>${esc(o.name)}</code><div class="muted small">${esc(o.description)}</div></td>
      ${(["mean", "p10", "p50", "p90", "min", "max"] as const).map((k) => `<td class="r num">${inUnit(o[k], o.unit)}</td>`).join("")}<td class="r num">${o.runs}</td></tr>`).join("")}
    </tbody></table></div>
    ${shown.length < s.summary.outputs.length ? `<p class="muted small">${s.summary.outputs.length - shown.length} outputs have no value in any run (rules that only exclude bind nowhere without rule costs); the JSON lists them.</p>` : ""}</section>
  ${s.summary.conflicts && s.summary.conflicts.length ? `<section class="panel"><div class="panel-head"><h2>Infeasible runs by conflict</h2></div>
    <table class="data"><thead><tr><th>constraint</th><th class="r">runs</th><th>first run's message</th></tr></thead><tbody>
    ${s.summary.conflicts.map((c) => `<tr><td><code>${esc(c.constraint)}</code></td><td class="r num">${c.runs}</td><td class="small">${esc(c.message)}</td></tr>`).join("")}
    </tbody></table></section>` : ""}`;
  if (metric) {
    draw("sweep-cdf", {
      type: "line",
      data: { datasets: [{ label: s.metric, data: cdf(s, s.metric), stepped: "before", borderColor: palette[0], backgroundColor: palette[0], pointRadius: s.runs.length > 60 ? 0 : 3 }] },
      options: {
        parsing: false,
        maintainAspectRatio: false,
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: (c) => `${inUnit(c.parsed.x, metric.unit)}: ${percent(c.parsed.y, 0)} of runs` } } },
        scales: {
          x: { type: "linear", title: { display: true, text: `${s.metric} (${metric.unit})` }, ticks: { callback: (v) => inUnit(Number(v), metric.unit).replace(/ (tokens\/day|USD|CNY)$/, "") } },
          y: { min: 0, max: 1, title: { display: true, text: "share of runs" }, ticks: { callback: (v) => percent(Number(v), 0) } },
        },
      },
    });
  }
}
