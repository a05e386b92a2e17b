// The plan view: the content of the terminal report (fleet by chip and site, spend against
// budget and budget lines, demand served, rule costs, capacities, assumptions), with units,
// and each amount in the scenario's report currency beside USD.
import { api, ApiError, type PeriodResult, type PlanInputs, type PlanJson } from "./api";
import { draw, palette } from "./charts";
import { openDraft } from "./editor";
import { count, esc, large, megawatts, money, percent, quantity, signedLarge, when } from "./format";

//! USD, with the report currency beside it when it is not USD.
function dual(usd: number | null | undefined, plan: PlanJson, period?: PeriodResult): string {
  const currency = plan.report_currency ?? "USD";
  const rate = (period ?? plan.periods[0])?.report_currency_per_usd ?? 1;
  if (usd === null || usd === undefined) return `<span class="num">–</span>`;
  if (currency === "USD") return `<span class="num">${money(usd)}</span>`;
  return `<span class="num">${money(usd)}</span><span class="num sub">${money(usd * rate, currency)}</span>`;
}

//! Axis labels of counts: "150k", "1.2 M".
function axisCount(v: number): string {
  if (Math.abs(v) >= 1e6) return `${(v / 1e6).toFixed(1)} M`;
  if (Math.abs(v) >= 1e3) return `${Math.round(v / 1e3)}k`;
  return String(v);
}

function meter(value: number, limit: number | null, tone = ""): string {
  if (!limit || limit <= 0) return "";
  const share = Math.min(1, value / limit);
  return `<div class="meter ${tone}"><div style="width:${(share * 100).toFixed(1)}%"></div></div>`;
}

function statusPill(status: string): string {
  const tone = status === "optimal" ? "ok" : status === "feasible" ? "warn" : "bad";
  return `<span class="pill ${tone}">${esc(status)}</span>`;
}

function periodSection(plan: PlanJson, p: PeriodResult, index: number): string {
  const currency = plan.report_currency ?? "USD";
  const services = p.services;
  const rows = p.fleet.map((f) => `<tr>
      <td>${esc(f.accelerator)}${f.domestic ? ' <span class="tag">domestic</span>' : ""}</td><td>${esc(f.site)}</td><td>${esc(f.mode)}</td>
      <td class="r">${count(f.acquired)}</td><td class="r">${count(f.count)}</td>
      <td class="r">${dual(f.cost_usd, plan, p)}</td><td class="r">${(f.power_w / 1e6).toFixed(1)}</td>
      <td class="serves">${Object.entries(f.allocation).map(([s, n]) => `${esc(s)} <span class="num">${count(n)}</span>`).join("; ")}</td></tr>`).join("");
  const totalCost = p.fleet.reduce((a, f) => a + f.cost_usd, 0);
  const totalPower = p.fleet.reduce((a, f) => a + f.power_w, 0);
  const budgetShare = p.budget_usd ? p.spend_usd / p.budget_usd : null;
  return `
  <section class="period" data-period="${esc(p.name)}">
    <h2 class="section-title">Period ${esc(p.name)}</h2>
    <div class="kpis">
      <div class="kpi"><span class="kpi-label">Spend</span><span class="kpi-value">${money(p.spend_usd)}</span>
        <span class="kpi-sub">${currency !== "USD" ? `${money(p.spend_usd * (p.report_currency_per_usd ?? 1), currency)} · ` : ""}${budgetShare !== null ? `${percent(budgetShare)} of the budget` : "no budget"}</span>
        ${meter(p.spend_usd, p.budget_usd, budgetShare !== null && budgetShare > 0.995 ? "full" : "")}</div>
      <div class="kpi"><span class="kpi-label">Budget</span><span class="kpi-value">${money(p.budget_usd)}</span>
        <span class="kpi-sub">${currency !== "USD" && p.budget_usd ? `${money(p.budget_usd * (p.report_currency_per_usd ?? 1), currency)} · ${(p.report_currency_per_usd ?? 1).toFixed(2)} ${currency}/USD` : "&nbsp;"}</span></div>
      <div class="kpi"><span class="kpi-label">Inference demand served</span><span class="kpi-value">${percent(p.demand_tokens_per_day > 0 ? p.served_tokens_per_day / p.demand_tokens_per_day : null)}</span>
        <span class="kpi-sub">${large(p.served_tokens_per_day)} of ${large(p.demand_tokens_per_day)} tokens/day</span>
        ${meter(p.served_tokens_per_day, p.demand_tokens_per_day, "served")}</div>
      <div class="kpi"><span class="kpi-label">Domestic share of chips acquired</span><span class="kpi-value">${percent(p.domestic_share)}</span>
        <span class="kpi-sub">by count; ${percent(p.domestic_share_spend)} of the spend</span></div>
      <div class="kpi"><span class="kpi-label">Accelerators</span><span class="kpi-value">${count(p.accelerators_active)}</span>
        <span class="kpi-sub">active; ${count(p.accelerators_acquired)} acquired this period</span></div>
    </div>

    <div class="grid-2">
      <section class="panel"><div class="panel-head"><h3>Fleet by chip and site</h3><span class="muted small">accelerators active</span></div>
        <div class="chart"><canvas id="fleet-chart-${index}"></canvas></div></section>
      <section class="panel"><div class="panel-head"><h3>Spend against budget</h3><span class="muted small">by site; ${currency === "USD" ? "USD" : `USD and ${esc(currency)}`}</span></div>
        <table class="data compact">
          <thead><tr><th></th><th class="r">spend</th><th class="r">limit</th><th class="r">used</th></tr></thead>
          <tbody>
            <tr><td><strong>Period budget</strong>${meter(p.spend_usd, p.budget_usd)}</td><td class="r">${dual(p.spend_usd, plan, p)}</td><td class="r">${dual(p.budget_usd, plan, p)}</td><td class="r num">${percent(budgetShare)}</td></tr>
            ${p.budget_lines.map((b) => `<tr><td>Budget line <strong>${esc(b.name)}</strong>${b.binding ? ' <span class="tag warn">binding</span>' : ""}${meter(b.spend_usd, b.max_usd)}</td>
              <td class="r">${dual(b.spend_usd, plan, p)}</td><td class="r">${dual(b.max_usd, plan, p)}</td><td class="r num">${percent(b.max_usd > 0 ? b.spend_usd / b.max_usd : null)}</td></tr>`).join("")}
          </tbody></table>
        <div class="chart short"><canvas id="spend-chart-${index}"></canvas></div>
      </section>
    </div>

    <section class="panel"><div class="panel-head"><h3>Fleet</h3><span class="muted small">counts of accelerators; spend in the period; power at the wall</span></div>
      <div class="scroll"><table class="data" id="fleet-table-${index}">
        <thead><tr><th>accelerator</th><th>site</th><th>mode</th><th class="r">acquired</th><th class="r">active</th><th class="r">spend</th><th class="r">power MW</th><th>serves (accelerators)</th></tr></thead>
        <tbody>${rows}</tbody>
        <tfoot><tr><td colspan="3">Total</td><td class="r">${count(p.accelerators_acquired)}</td><td class="r">${count(p.accelerators_active)}</td><td class="r">${dual(totalCost, plan, p)}</td><td class="r">${(totalPower / 1e6).toFixed(1)}</td><td></td></tr></tfoot>
      </table></div></section>

    <div class="grid-2">
      <section class="panel"><div class="panel-head"><h3>Demand served</h3><span class="muted small">at the services' latency targets</span></div>
        <table class="data">
          <thead><tr><th>service</th><th class="r">demand</th><th class="r">served</th><th class="r">served %</th></tr></thead>
          <tbody>${services.map((s) => `<tr><td>${esc(s.name)} <span class="muted small">${esc(s.kind)}</span>${meter(s.served, s.demand, "served")}</td>
            <td class="r num">${quantity(s.demand, s.unit)}</td><td class="r num">${quantity(s.served, s.unit)}</td>
            <td class="r num">${percent(s.demand > 0 ? s.served / s.demand : null)}</td></tr>`).join("")}</tbody>
        </table></section>
      <section class="panel"><div class="panel-head"><h3>Site power</h3><span class="muted small">drawn against the site's limit</span></div>
        <table class="data">
          <thead><tr><th>site</th><th class="r">drawn</th><th class="r">limit</th><th class="r">used</th></tr></thead>
          <tbody>${p.sites.map((s) => `<tr><td>${esc(s.name)}${s.region ? ` <span class="muted small">${esc(s.region)}</span>` : ""}${meter(s.power_w, s.power_limit_w)}</td><td class="r num">${megawatts(s.power_w)}</td>
            <td class="r num">${s.power_limit_w ? megawatts(s.power_limit_w) : "no limit"}</td><td class="r num">${percent(s.power_limit_w ? s.power_w / s.power_limit_w : null)}</td></tr>`).join("")}</tbody>
        </table></section>
    </div>
  </section>`;
}

function rulesSection(plan: PlanJson): string {
  if (plan.rules.length === 0) {
    return `<section class="panel"><div class="panel-head"><h3>What each rule costs</h3></div>
      <p class="muted">Rule costs were not computed for this plan (run it with “Price each rule”).</p></section>`;
  }
  const equalService = plan.objective === "max-served";
  const rows = plan.rules.map((r) => {
    const cost = dual(r.cost_usd, plan);
    const tokens = r.tokens_per_day.reduce((a, b) => a + b, 0);
    return `<tr><td><strong>${esc(r.name)}</strong><div class="muted small">${esc(r.description)}</div></td>
      <td>${r.binding ? '<span class="tag warn">binds</span>' : '<span class="tag">slack</span>'}</td>
      <td class="r">${cost}</td><td class="r num">${signedLarge(tokens)}</td>
      <td class="small muted source">${esc(r.source)}</td></tr>`;
  }).join("");
  return `<section class="panel"><div class="panel-head"><h3>What each rule costs</h3><span class="muted small">the plan re-solved without each rule</span></div>
    <div class="scroll"><table class="data" id="rules-table">
      <thead><tr><th>rule</th><th></th><th class="r">${equalService ? "cost at equal service" : "cost"}</th><th class="r">tokens/day without</th><th>source</th></tr></thead>
      <tbody>${rows}</tbody></table></div>
    <p class="note">${equalService
      ? "Cost at equal service: least cost of the same demand served without the rule, less this plan's cost. Tokens/day: the most served without it, less this plan's. Negative: the rule permits something."
      : "Cost: this plan's cost less the plan's without the rule. Negative: the rule permits something."}</p></section>`;
}

function capacitiesSection(plan: PlanJson): string {
  const rows = plan.capacities.map((c) => {
    const service = plan.periods[0]?.services.find((s) => s.name === c.service);
    const unit = service?.unit === "FLOP/s" ? "FLOP/s" : "tokens/day";
    return `<tr><td>${esc(c.accelerator)}</td><td>${esc(c.service)}</td><td class="r num">${quantity(c.per_accelerator, unit)}</td><td class="small">${esc(c.note)}</td></tr>`;
  }).join("");
  return `<section class="panel"><div class="panel-head"><h3>Capacity of one accelerator</h3><span class="muted small">goodput at each service's latency targets</span></div>
    <div class="scroll"><table class="data" id="capacities-table"><thead><tr><th>accelerator</th><th>service</th><th class="r">capacity</th><th>how</th></tr></thead>
    <tbody>${rows}</tbody></table></div></section>`;
}

function listSection(title: string, note: string, items: string[], id: string): string {
  if (items.length === 0) return "";
  return `<section class="panel"><div class="panel-head"><h3>${esc(title)}</h3><span class="muted small">${esc(note)}</span></div>
    <ul class="notes" id="${id}">${items.map((a) => {
      const m = /^([\w.-]+): (.*)$/.exec(a);
      return m ? `<li><strong>${esc(m[1])}</strong> ${esc(m[2])}</li>` : `<li>${esc(a)}</li>`;
    }).join("")}</ul></section>`;
}

function infeasibleSection(plan: PlanJson): string {
  return `<section class="panel alert"><div class="panel-head"><h3>No plan meets every constraint</h3></div>
    <p>These constraints conflict. Relax one of them (a budget, a site's power, a rule left out) or let unmet demand be penalised.</p>
    <ul class="notes">${plan.conflicts.map((c) => `<li><strong>${esc(c.constraint)}</strong>${c.rule ? ` (rule ${esc(c.rule)})` : ""}: ${esc(c.message)}</li>`).join("")}</ul></section>`;
}

function verificationSection(plan: PlanJson): string {
  const rows = plan.verification ?? [];
  if (rows.length === 0) return "";
  const keys = Object.keys(rows[0]).filter((k) => typeof rows[0][k] !== "object");
  return `<section class="panel"><div class="panel-head"><h3>Verification by simulation</h3><span class="muted small">each deployment type loaded at its planned share</span></div>
    <div class="scroll"><table class="data"><thead><tr>${keys.map((k) => `<th>${esc(k.replaceAll("_", " "))}</th>`).join("")}</tr></thead>
    <tbody>${rows.map((r) => `<tr>${keys.map((k) => {
      const v = r[k];
      return typeof v === "number" ? `<td class="r num">${Number.isInteger(v) ? count(v) : v.toFixed(2)}</td>` : `<td>${esc(v)}</td>`;
    }).join("")}</tr>`).join("")}</tbody></table></div></section>`;
}

function drawCharts(plan: PlanJson): void {
  plan.periods.forEach((p, index) => {
    const chips = [...new Set(p.fleet.map((f) => f.accelerator))];
    const sites = [...new Set(p.fleet.map((f) => f.site))];
    draw(`fleet-chart-${index}`, {
      type: "bar",
      data: {
        labels: chips,
        datasets: sites.map((site, i) => ({
          label: site,
          data: chips.map((chip) => p.fleet.filter((f) => f.accelerator === chip && f.site === site).reduce((a, f) => a + f.count, 0)),
          backgroundColor: palette[i % palette.length],
          borderRadius: 2,
        })),
      },
      options: {
        indexAxis: "y", maintainAspectRatio: false,
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } }, tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${count(c.parsed.x)}` } } },
        scales: { x: { stacked: true, ticks: { callback: (v) => axisCount(Number(v)) }, grid: { color: "#eef0f3" } }, y: { stacked: true, grid: { display: false } } },
      },
    });
    const bySite = sites.map((site) => p.fleet.filter((f) => f.site === site).reduce((a, f) => a + f.cost_usd, 0));
    draw(`spend-chart-${index}`, {
      type: "bar",
      data: {
        labels: ["Spend", "Budget"],
        datasets: [
          ...sites.map((site, i) => ({ label: site, data: [bySite[i], 0], backgroundColor: palette[i % palette.length], stack: "s" })),
          { label: "Budget", data: [0, p.budget_usd ?? 0], backgroundColor: "#d0d5dd", stack: "s" },
        ],
      },
      options: {
        indexAxis: "y", maintainAspectRatio: false,
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12, filter: (item) => item.text !== "Budget" } }, tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${money(c.parsed.x)}` } } },
        scales: { x: { stacked: true, ticks: { callback: (v) => money(Number(v)) }, grid: { color: "#eef0f3" } }, y: { stacked: true, grid: { display: false } } },
      },
    });
  });
}

export async function renderPlan(root: HTMLElement, id: number): Promise<void> {
  root.innerHTML = `<div class="loading">Loading plan ${id}…</div>`;
  let plan: PlanJson;
  let inputs: PlanInputs;
  try {
    [plan, inputs] = await Promise.all([api.plan(id), api.inputs(id)]);
  } catch (e) {
    // A plan still queued or running (409): show its job's progress, then the plan.
    if (!(e instanceof ApiError) || e.status !== 409 || e.body.state === "failed") throw e;
    if (await waitForJob(root, id, Number(e.body.job_id ?? id))) return renderPlan(root, id);
    return;
  }
  const options = Object.entries(inputs.options).map(([k, v]) => `${k.replaceAll("_", " ")}${v === true ? "" : `: ${Array.isArray(v) ? v.join(", ") : v}`}`);
  const currency = plan.report_currency ?? "USD";
  const feasible = plan.status !== "infeasible";
  root.innerHTML = `
  <div class="page-head">
    <div>
      <div class="crumbs"><a href="#/plans">Plan history</a> / Plan ${id}</div>
      <h1 id="plan-title">${esc(plan.scenario)} ${statusPill(plan.status)}</h1>
      <p class="lede">${plan.objective === "max-served" ? "Most demand served within the budget" : "Least cost for the demand"} ·
        ${esc(inputs.source)} · planned ${when(inputs.finished_at ?? inputs.created_at)} · fleetplan ${esc(inputs.version)}
        ${options.length ? `<br/>Options: ${options.map(esc).join(" · ")}` : ""}
        ${plan.rules_left_out.length ? `<br/>Rules left out: ${plan.rules_left_out.map(esc).join(", ")}` : ""}</p>
    </div>
    <div class="actions">
      <button id="edit">Edit this scenario</button>
      <a class="button" href="#/compare?a=${id}">Compare…</a>
      <a class="button" href="/api/plans/${id}" download="plan-${id}.json">JSON</a>
    </div>
  </div>
  ${feasible ? `<div class="kpis totals">
      <div class="kpi"><span class="kpi-label">Cash over the horizon</span><span class="kpi-value">${money(plan.spend_usd)}</span><span class="kpi-sub">${currency !== "USD" ? money(plan.spend_usd * (plan.periods[0]?.report_currency_per_usd ?? 1), currency) : "&nbsp;"}</span></div>
      <div class="kpi"><span class="kpi-label">Value left at the end</span><span class="kpi-value">${money(plan.residual_usd)}</span><span class="kpi-sub">straight-line residual value</span></div>
      <div class="kpi"><span class="kpi-label">Cost</span><span class="kpi-value">${money(plan.cost_usd)}</span><span class="kpi-sub">cash − residual + unmet-demand penalties</span></div>
      <div class="kpi"><span class="kpi-label">Solver</span><span class="kpi-value">${count(plan.solves)} MILPs</span><span class="kpi-sub">CBC; ${count(plan.nodes)} nodes; gap ${percent(plan.gap, 3)}</span></div>
    </div>` : ""}
  ${feasible ? plan.periods.map((p, i) => periodSection(plan, p, i)).join("") : infeasibleSection(plan)}
  ${feasible && plan.tight.length ? `<section class="panel"><div class="panel-head"><h3>Binding constraints</h3><span class="muted small">no room for one more server</span></div>
    <ul class="notes">${plan.tight.map((t) => `<li><code>${esc(t.name)}</code>${t.rule ? ` (rule ${esc(t.rule)})` : ""}</li>`).join("")}</ul></section>` : ""}
  ${feasible ? rulesSection(plan) : ""}
  ${verificationSection(plan)}
  ${capacitiesSection(plan)}
  <div class="grid-2">
    ${listSection("Assumptions", "figures the facts do not give", plan.assumptions, "assumptions")}
    ${listSection("Policy", "what the rules in force exclude", plan.policy, "policy")}
  </div>`;
  root.querySelector("#edit")?.addEventListener("click", () => editFrom(inputs));
  if (feasible) drawCharts(plan);
}

function editFrom(inputs: PlanInputs): void {
  openDraft(inputs.scenario, inputs.scenario_text, inputs.options);
}

//! Polls the job until it is done (true) or the page has changed (false).
async function waitForJob(root: HTMLElement, planId: number, jobId: number): Promise<boolean> {
  root.innerHTML = `<section class="panel narrow"><h2>Plan ${planId} is being solved</h2>
    <div class="progress"><div class="progress-label"><span id="progress-text">Queued</span><span id="progress-pct"></span></div>
    <div class="bar"><div class="fill" id="progress-fill"></div></div></div></section>`;
  for (;;) {
    const job = await api.job(jobId);
    const fill = root.querySelector<HTMLDivElement>("#progress-fill");
    if (!fill) return false; // the user went elsewhere
    fill.style.width = `${Math.round(job.progress * 100)}%`;
    root.querySelector("#progress-pct")!.textContent = `${Math.round(job.progress * 100)} %`;
    root.querySelector("#progress-text")!.textContent = job.state === "queued" ? "Queued" : "Solving…";
    if (job.state === "done") return true;
    if (job.state === "failed") throw new Error(job.error ?? `plan ${planId} failed`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
