// Plan history: the stored plans, newest first (GET /api/plans), with their headline
// figures; pick two to compare.
import { api, type PlanSummary } from "./api";
import { count, esc, large, money, percent, when } from "./format";

const PAGE = 25;

function statusCell(p: PlanSummary): string {
  if (p.state !== "done") return `<span class="pill ${p.state === "failed" ? "bad" : "info"}">${esc(p.state)}</span>`;
  const tone = p.status === "optimal" ? "ok" : p.status === "feasible" ? "warn" : "bad";
  return `<span class="pill ${tone}">${esc(p.status ?? "")}</span>`;
}

export async function renderHistory(root: HTMLElement, params: URLSearchParams): Promise<void> {
  const offset = Math.max(0, Number(params.get("offset") ?? 0) || 0);
  const scenario = params.get("scenario") ?? "";
  root.innerHTML = `<div class="loading">Loading plans…</div>`;
  const query = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
  if (scenario) query.set("scenario", scenario);
  const list = await api.plans(`?${query}`);
  const names = [...new Set(list.plans.map((p) => p.scenario))];
  root.innerHTML = `
  <div class="page-head">
    <div><h1>Plan history</h1><p class="lede">Every plan run through this server, with what it was computed from. Select two to compare.</p></div>
    <div class="actions">
      <label class="inline">Scenario <select id="filter"><option value="">All</option>${names.concat(scenario && !names.includes(scenario) ? [scenario] : []).map((n) => `<option${n === scenario ? " selected" : ""}>${esc(n)}</option>`).join("")}</select></label>
      <button class="primary" id="compare" disabled>Compare selected</button>
    </div>
  </div>
  <section class="panel">
    ${list.plans.length === 0 ? `<p class="empty">No plans yet. <a href="#/">Run one from a scenario.</a></p>` : `
    <div class="scroll"><table class="data" id="history-table">
      <thead><tr><th></th><th class="r">plan</th><th>scenario</th><th>source</th><th>planned</th><th>status</th>
        <th class="r">spend</th><th class="r">budget</th><th class="r">served</th><th class="r">domestic</th><th class="r">accelerators</th></tr></thead>
      <tbody>${list.plans.map((p) => {
        const h = p.headline;
        return `<tr data-plan="${p.plan_id}">
          <td><input type="checkbox" data-select="${p.plan_id}" aria-label="Select plan ${p.plan_id}" ${p.state === "done" ? "" : "disabled"} /></td>
          <td class="r num"><a href="#/plans/${p.plan_id}">#${p.plan_id}</a></td>
          <td><a href="#/plans/${p.plan_id}">${esc(p.scenario)}</a><div class="muted small">${esc(p.objective ?? "")}${Object.keys(p.options).length ? ` · ${esc(Object.keys(p.options).join(", ").replaceAll("_", " "))}` : ""}</div></td>
          <td class="small">${p.source.startsWith("built-in") ? "built-in" : "edited"}</td>
          <td class="small num">${when(p.finished_at ?? p.created_at)}</td>
          <td>${statusCell(p)}${p.error ? `<div class="small bad-text">${esc(p.error)}</div>` : ""}</td>
          <td class="r num">${h ? money(h.spend_usd) : "–"}</td><td class="r num">${h ? money(h.budget_usd) : "–"}</td>
          <td class="r num">${h && h.demand_tokens_per_day > 0 ? `${percent(h.served_tokens_per_day / h.demand_tokens_per_day)}<div class="muted small">${large(h.served_tokens_per_day)} tokens/day</div>` : "–"}</td>
          <td class="r num">${h ? percent(h.domestic_share) : "–"}</td><td class="r num">${h ? count(h.accelerators_active) : "–"}</td></tr>`;
      }).join("")}</tbody></table></div>
    <div class="pager"><span class="muted">${offset + 1}–${offset + list.plans.length} of ${list.total}</span>
      ${offset > 0 ? `<a class="button" href="#/plans?offset=${Math.max(0, offset - PAGE)}${scenario ? `&scenario=${encodeURIComponent(scenario)}` : ""}">Newer</a>` : ""}
      ${offset + PAGE < list.total ? `<a class="button" href="#/plans?offset=${offset + PAGE}${scenario ? `&scenario=${encodeURIComponent(scenario)}` : ""}">Older</a>` : ""}</div>`}
  </section>`;
  const selected: number[] = [];
  const compare = root.querySelector<HTMLButtonElement>("#compare")!;
  root.querySelectorAll<HTMLInputElement>("[data-select]").forEach((box) => {
    box.addEventListener("change", () => {
      const id = Number(box.dataset.select);
      if (box.checked) selected.push(id);
      else selected.splice(selected.indexOf(id), 1);
      while (selected.length > 2) {
        const old = selected.shift()!;
        root.querySelector<HTMLInputElement>(`[data-select="${old}"]`)!.checked = false;
      }
      compare.disabled = selected.length !== 2;
    });
  });
  compare.addEventListener("click", () => {
    const [a, b] = [...selected].sort((x, y) => x - y);
    location.hash = `#/compare/${a}/${b}`;
  });
  root.querySelector<HTMLSelectElement>("#filter")?.addEventListener("change", (e) => {
    const v = (e.target as HTMLSelectElement).value;
    location.hash = v ? `#/plans?scenario=${encodeURIComponent(v)}` : "#/plans";
  });
}
