// Two plans side by side (GET /api/plans/{a}/diff/{b}): totals, each period's budget,
// spend and service, the fleet, demand served, rule costs, and the inputs that differ.
import { api, type Compared, type PlanJson } from "./api";
import { draw, palette } from "./charts";
import { count, esc, large, money, moneyDelta, percent, points, quantity, signedLarge } from "./format";

type Fmt = (v: number | null) => string;
type DeltaFmt = (v: number | null) => string;

function tone(delta: number | null, goodWhenUp: boolean | null): string {
  if (delta === null || Math.abs(delta) < 1e-9 || goodWhenUp === null) return "";
  return (delta > 0) === goodWhenUp ? "up" : "down";
}

function row(label: string, c: Compared, f: Fmt, df: DeltaFmt, goodWhenUp: boolean | null = null): string {
  return `<tr><td>${label}</td><td class="r num">${f(c.a)}</td><td class="r num">${f(c.b)}</td>
    <td class="r num delta ${tone(c.delta, goodWhenUp)}">${c.delta === null ? "–" : Math.abs(c.delta) < 1e-9 ? "=" : df(c.delta)}</td></tr>`;
}

function plainValue(v: unknown): string {
  if (v === null || v === undefined) return '<span class="muted">not set</span>';
  return esc(typeof v === "string" ? v : JSON.stringify(v));
}

async function picker(root: HTMLElement, a: number | null): Promise<void> {
  const list = await api.plans("?limit=100&state=done");
  root.innerHTML = `<div class="page-head"><div><h1>Compare plans</h1><p class="lede">Pick two stored plans to see what changed: inputs, fleet, spend and demand served.</p></div></div>
  <section class="panel picker">
    <label class="field"><span>Plan A (before)</span><select id="pick-a">${list.plans.map((p) => `<option value="${p.plan_id}"${p.plan_id === a ? " selected" : ""}>#${p.plan_id} ${esc(p.scenario)} · ${esc(p.status ?? "")} · ${p.headline ? money(p.headline.spend_usd) : ""}</option>`).join("")}</select></label>
    <label class="field"><span>Plan B (after)</span><select id="pick-b">${list.plans.map((p, i) => `<option value="${p.plan_id}"${i === 0 && p.plan_id !== a ? " selected" : ""}>#${p.plan_id} ${esc(p.scenario)} · ${esc(p.status ?? "")} · ${p.headline ? money(p.headline.spend_usd) : ""}</option>`).join("")}</select></label>
    <button class="primary" id="go" ${list.plans.length < 2 ? "disabled" : ""}>Compare</button>
    ${list.plans.length < 2 ? `<p class="muted">Two finished plans are needed; <a href="#/">run a plan</a>.</p>` : ""}
  </section>`;
  root.querySelector("#go")?.addEventListener("click", () => {
    const pa = root.querySelector<HTMLSelectElement>("#pick-a")!.value;
    const pb = root.querySelector<HTMLSelectElement>("#pick-b")!.value;
    location.hash = `#/compare/${pa}/${pb}`;
  });
}

export async function renderCompare(root: HTMLElement, a: number | null, b: number | null): Promise<void> {
  if (a === null || b === null) return picker(root, a);
  root.innerHTML = `<div class="loading">Comparing plans ${a} and ${b}…</div>`;
  const [diff, planA, planB] = await Promise.all([api.diff(a, b), api.plan(a), api.plan(b)]);
  const currency = planB.report_currency ?? planA.report_currency ?? "USD";
  const rate = (plan: PlanJson) => plan.periods[0]?.report_currency_per_usd ?? 1;
  const usd: Fmt = (v) => money(v);
  const inCurrency = (v: number | null, plan: PlanJson) => (v === null ? "–" : money(v * rate(plan), currency));
  const share: Fmt = (v) => percent(v);
  const toks: Fmt = (v) => large(v);
  const t = diff.totals;
  const scenarioInputs = diff.inputs.scenario;
  const optionInputs = diff.inputs.options;
  root.innerHTML = `
  <div class="page-head">
    <div><div class="crumbs"><a href="#/plans">Plan history</a> / Compare</div>
      <h1>Plan #${a} → plan #${b}</h1>
      <p class="lede">${esc(diff.a.scenario)} (${esc(diff.a.status)}, ${esc(diff.a.objective)}) against ${esc(diff.b.scenario)} (${esc(diff.b.status)}, ${esc(diff.b.objective)}). Changes are B minus A.</p></div>
    <div class="actions"><a class="button" href="#/plans/${a}">Open A</a><a class="button" href="#/plans/${b}">Open B</a><a class="button" href="#/compare?a=${a}">Other pair…</a></div>
  </div>
  <div class="side-by-side">
    ${[planA, planB].map((p, i) => {
      const per = p.periods[0];
      return `<section class="panel plan-card"><div class="panel-head"><h3>${i === 0 ? "A" : "B"} · plan #${i === 0 ? a : b}</h3><span class="pill ${p.status === "optimal" ? "ok" : "warn"}">${esc(p.status)}</span></div>
        <dl class="facts"><dt>Spend</dt><dd><span class="num">${money(p.spend_usd)}</span> <span class="muted num">${currency !== "USD" ? inCurrency(p.spend_usd, p) : ""}</span></dd>
        <dt>Budget</dt><dd><span class="num">${money(p.periods.reduce((s, x) => s + (x.budget_usd ?? 0), 0))}</span> <span class="muted num">${currency !== "USD" ? inCurrency(p.periods.reduce((s, x) => s + (x.budget_usd ?? 0), 0), p) : ""}</span></dd>
        <dt>Served</dt><dd class="num">${per ? `${large(per.served_tokens_per_day)} of ${large(per.demand_tokens_per_day)} tokens/day` : "–"}</dd>
        <dt>Domestic share</dt><dd class="num">${per ? percent(per.domestic_share) : "–"}</dd></dl></section>`;
    }).join("")}
  </div>
  <section class="panel"><div class="panel-head"><h3>Inputs that differ</h3><span class="muted small">scenario fields and plan options</span></div>
    ${scenarioInputs.length + optionInputs.length === 0 ? `<p class="muted">The two plans were computed from the same scenario and options.</p>` : `
    <table class="data" id="inputs-table"><thead><tr><th>field</th><th>A</th><th>B</th></tr></thead><tbody>
      ${scenarioInputs.map((d) => `<tr><td><code>${esc(d.path)}</code></td><td class="num">${plainValue(d.a)}</td><td class="num changed">${plainValue(d.b)}</td></tr>`).join("")}
      ${optionInputs.map((d) => `<tr><td>option <code>${esc(d.option)}</code></td><td>${plainValue(d.a)}</td><td class="changed">${plainValue(d.b)}</td></tr>`).join("")}
    </tbody></table>`}
  </section>
  <div class="grid-2">
    <section class="panel"><div class="panel-head"><h3>Totals</h3><span class="muted small">over the horizon</span></div>
      <table class="data" id="totals-table"><thead><tr><th></th><th class="r">A</th><th class="r">B</th><th class="r">change</th></tr></thead><tbody>
        ${t.spend_usd ? row("Cash spend", t.spend_usd, usd, (v) => moneyDelta(v)) : ""}
        ${t.residual_usd ? row("Value left at the end", t.residual_usd, usd, (v) => moneyDelta(v), true) : ""}
        ${t.cost_usd ? row("Cost", t.cost_usd, usd, (v) => moneyDelta(v), false) : ""}
        ${diff.periods.map((p) => `
          <tr class="group"><td colspan="4">Period ${esc(p.period)}</td></tr>
          ${p.budget_usd ? row("Budget", p.budget_usd as Compared, usd, (v) => moneyDelta(v)) : ""}
          ${p.spend_usd ? row("Spend", p.spend_usd as Compared, usd, (v) => moneyDelta(v)) : ""}
          ${p.served_tokens_per_day ? row("Inference served, tokens/day", p.served_tokens_per_day as Compared, toks, (v) => signedLarge(v), true) : ""}
          ${p.demand_tokens_per_day ? row("Inference demand, tokens/day", p.demand_tokens_per_day as Compared, toks, (v) => signedLarge(v)) : ""}
          ${p.domestic_share ? row("Domestic share (count)", p.domestic_share as Compared, share, (v) => points(v)) : ""}`).join("")}
      </tbody></table></section>
    <section class="panel"><div class="panel-head"><h3>Fleet by chip</h3><span class="muted small">accelerators active, A and B</span></div>
      <div class="chart"><canvas id="compare-chart"></canvas></div></section>
  </div>
  <section class="panel"><div class="panel-head"><h3>Fleet</h3><span class="muted small">per period, chip, site and mode</span></div>
    <div class="scroll"><table class="data" id="fleet-diff"><thead><tr><th>period</th><th>accelerator</th><th>site</th><th>mode</th><th class="r">A count</th><th class="r">B count</th><th class="r">change</th><th class="r">A spend</th><th class="r">B spend</th><th class="r">change</th></tr></thead>
    <tbody>${diff.fleet.map((f) => `<tr class="${f.count.delta && Math.abs(f.count.delta) > 0.5 ? "" : "same"}"><td>${esc(f.period)}</td><td>${esc(f.accelerator)}</td><td>${esc(f.site)}</td><td>${esc(f.mode)}</td>
      <td class="r num">${count(f.count.a)}</td><td class="r num">${count(f.count.b)}</td><td class="r num delta">${f.count.delta === null ? "–" : Math.abs(f.count.delta) < 0.5 ? "=" : (f.count.delta > 0 ? "+" : "") + count(f.count.delta)}</td>
      <td class="r num">${money(f.cost_usd.a)}</td><td class="r num">${money(f.cost_usd.b)}</td><td class="r num delta">${f.cost_usd.delta === null ? "–" : Math.abs(f.cost_usd.delta) < 0.5 ? "=" : moneyDelta(f.cost_usd.delta)}</td></tr>`).join("")}</tbody></table></div></section>
  <div class="grid-2">
    <section class="panel"><div class="panel-head"><h3>Demand served</h3></div>
      <table class="data"><thead><tr><th>service</th><th class="r">A</th><th class="r">B</th><th class="r">change</th></tr></thead>
      <tbody>${diff.served.map((s) => row(`${esc(s.service)} <span class="muted small">${esc(s.period)}</span>`, s.served, (v) => quantity(v, s.unit), (v) => ((v ?? 0) > 0 ? "+" : "") + quantity(v, s.unit), true)).join("")}</tbody></table></section>
    <section class="panel"><div class="panel-head"><h3>What each rule costs</h3><span class="muted small">cost at equal service; – where not priced</span></div>
      <table class="data"><thead><tr><th>rule</th><th class="r">A</th><th class="r">B</th><th class="r">change</th></tr></thead>
      <tbody>${diff.rules.map((r) => row(esc(r.rule), r.cost_usd, usd, (v) => moneyDelta(v))).join("")}</tbody></table></section>
  </div>`;
  const chips = [...new Set(diff.fleet.map((f) => f.accelerator))];
  const sum = (chip: string, side: "a" | "b") => diff.fleet.filter((f) => f.accelerator === chip).reduce((s, f) => s + (f.count[side] ?? 0), 0);
  draw("compare-chart", {
    type: "bar",
    data: {
      labels: chips,
      datasets: [
        { label: `A · #${a}`, data: chips.map((c) => sum(c, "a")), backgroundColor: "#9bb4cf", borderRadius: 2 },
        { label: `B · #${b}`, data: chips.map((c) => sum(c, "b")), backgroundColor: palette[0], borderRadius: 2 },
      ],
    },
    options: {
      maintainAspectRatio: false,
      plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } }, tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${count(c.parsed.y)}` } } },
      scales: { y: { ticks: { callback: (v) => (Number(v) >= 1e3 ? `${Math.round(Number(v) / 1e3)}k` : String(v)) }, grid: { color: "#eef0f3" } }, x: { grid: { display: false } } },
    },
  });
}
