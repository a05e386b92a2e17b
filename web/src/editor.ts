// The scenario editor: a built-in scenario to start from, its YAML text with line numbers,
// the period budgets as fields, the plan options, and a run with a progress bar. The
// parser's errors (`request:LINE:COLUMN: field: ...`) are shown at their line.
import { api, ApiError, type BuiltinScenario, type PlanOptions } from "./api";
import { esc, money } from "./format";

interface Draft { base: string; text: string; options: PlanOptions }

const DRAFT_KEY = "fleetplan.draft";
let scenarios: BuiltinScenario[] = [];

function loadDraft(): Draft | null {
  try {
    const raw = sessionStorage.getItem(DRAFT_KEY);
    return raw ? (JSON.parse(raw) as Draft) : null;
  } catch {
    return null;
  }
}
function saveDraft(d: Draft): void { sessionStorage.setItem(DRAFT_KEY, JSON.stringify(d)); }

//! Starts the editor on this text (from "Edit this scenario" on a plan).
export function openDraft(base: string, text: string, options: PlanOptions): void {
  saveDraft({ base, text, options });
  location.hash = "#/";
}

//! The period budgets in the text: `budget: 160 bn CNY` lines with their period's name.
interface BudgetField { line: number; indent: string; value: string; comment: string; period: string }
function budgetFields(text: string): BudgetField[] {
  const lines = text.split("\n");
  const out: BudgetField[] = [];
  let inPeriods = false;
  let period = "";
  lines.forEach((line, i) => {
    if (/^\S/.test(line)) inPeriods = /^periods:/.test(line);
    if (!inPeriods) return;
    const name = /^\s*-\s+name:\s*["']?([^"'#]+?)["']?\s*(#.*)?$/.exec(line);
    if (name && /^\s{0,4}-/.test(line)) period = name[1];
    const m = /^(\s+)budget:\s*([^#]*?)\s*(#.*)?$/.exec(line);
    if (m && m[2] !== "") out.push({ line: i, indent: m[1], value: m[2], comment: m[3] ?? "", period });
  });
  return out;
}

//! "request:12:5: message" -> line 12, column 5.
function errorPosition(message: string): { line: number; column: number } | null {
  const m = /^request:(\d+):(\d+):/.exec(message);
  return m ? { line: Number(m[1]), column: Number(m[2]) } : null;
}

export async function renderEditor(root: HTMLElement): Promise<void> {
  root.innerHTML = `<div class="page-head"><div><h1>Scenario</h1>
    <p class="lede">Start from a built-in scenario, change its figures, and plan the fleet the budget buys under the rules in force.</p></div></div>
    <div class="loading">Loading scenarios…</div>`;
  if (scenarios.length === 0) scenarios = (await api.scenarios()).scenarios;
  let draft = loadDraft();
  if (!draft) {
    const first = scenarios.find((s) => s.default) ?? scenarios[0];
    draft = { base: first.name, text: first.yaml, options: {} };
  }
  const d: Draft = draft;

  root.innerHTML = `
  <div class="page-head">
    <div><h1>Scenario</h1>
    <p class="lede">Start from a built-in scenario, change its figures, and plan the fleet the budget buys under the rules in force.</p></div>
  </div>
  <section class="cards" id="builtins">
    ${scenarios.map((s) => `
      <button class="scenario-card${s.name === d.base ? " selected" : ""}" data-scenario="${esc(s.name)}">
        <span class="card-title">${esc(s.name)}${s.default ? ' <span class="tag">reference</span>' : ""}</span>
        <span class="card-budget">${s.periods.map((p) => `${esc(p.name)}: ${p.budget ? money(p.budget.amount, p.budget.currency) : "no budget"}`).join(" · ")}</span>
        <span class="card-text">${esc(s.description)}</span>
      </button>`).join("")}
  </section>
  <div class="editor-layout">
    <section class="panel editor-panel">
      <div class="panel-head"><h2>Scenario file <span class="muted" id="modified"></span></h2>
        <span class="muted small">YAML · the same file <code>fleetplan plan FILE</code> reads</span></div>
      <div class="code" id="code">
        <pre class="gutter" id="gutter" aria-hidden="true"></pre>
        <div class="code-body">
          <div class="error-line" id="error-line" hidden></div>
          <textarea id="yaml" spellcheck="false" wrap="off" aria-label="Scenario YAML"></textarea>
        </div>
      </div>
      <div class="error-box" id="error-box" hidden></div>
    </section>
    <aside class="side">
      <section class="panel">
        <div class="panel-head"><h2>Budgets</h2></div>
        <div id="budgets" class="budget-fields"></div>
        <p class="muted small">An amount and a currency, e.g. <code>144 bn CNY</code> or <code>20 bn USD</code>.</p>
      </section>
      <section class="panel">
        <div class="panel-head"><h2>Plan options</h2></div>
        <label class="field"><span>Objective</span>
          <select id="objective">
            <option value="">The scenario's</option>
            <option value="max-served">Most demand served within budget</option>
            <option value="min-cost">Least cost for the demand</option>
          </select></label>
        <label class="check"><input type="checkbox" id="rule-costs" /> Price each rule (re-solves the plan once per rule)</label>
        <label class="check"><input type="checkbox" id="verify" /> Verify latency targets by simulation</label>
        <button class="primary wide" id="run">Run plan</button>
        <div class="progress" id="progress" hidden>
          <div class="progress-label"><span id="progress-text">Queued</span><span id="progress-pct"></span></div>
          <div class="bar"><div class="fill" id="progress-fill"></div></div>
        </div>
      </section>
    </aside>
  </div>`;

  const yaml = root.querySelector<HTMLTextAreaElement>("#yaml")!;
  const gutter = root.querySelector<HTMLPreElement>("#gutter")!;
  const errorLine = root.querySelector<HTMLDivElement>("#error-line")!;
  const errorBox = root.querySelector<HTMLDivElement>("#error-box")!;
  const budgets = root.querySelector<HTMLDivElement>("#budgets")!;
  const objective = root.querySelector<HTMLSelectElement>("#objective")!;
  const ruleCosts = root.querySelector<HTMLInputElement>("#rule-costs")!;
  const verify = root.querySelector<HTMLInputElement>("#verify")!;
  const run = root.querySelector<HTMLButtonElement>("#run")!;
  const modified = root.querySelector<HTMLSpanElement>("#modified")!;
  let errorAt = 0;

  const lineHeight = 20;
  const refresh = () => {
    const n = yaml.value.split("\n").length;
    let numbers = "";
    for (let i = 1; i <= n; ++i) numbers += `<span${i === errorAt ? ' class="bad"' : ""}>${i}</span>\n`;
    gutter.innerHTML = numbers;
    const base = scenarios.find((s) => s.name === d.base);
    modified.textContent = base && base.yaml === yaml.value ? `· ${d.base}` : `· ${d.base}, edited`;
    placeError();
  };
  const placeError = () => {
    gutter.scrollTop = yaml.scrollTop;
    if (errorAt > 0) {
      errorLine.hidden = false;
      errorLine.style.top = `${(errorAt - 1) * lineHeight + 8 - yaml.scrollTop}px`;
    } else {
      errorLine.hidden = true;
    }
  };
  const renderBudgets = () => {
    const fields = budgetFields(yaml.value);
    budgets.innerHTML = fields.length === 0
      ? `<p class="muted">No period budgets in this scenario.</p>`
      : fields.map((f, i) => `<label class="field"><span>Period ${esc(f.period)}</span>
          <input type="text" data-budget="${i}" value="${esc(f.value)}" aria-label="Budget of period ${esc(f.period)}" /></label>`).join("");
    budgets.querySelectorAll<HTMLInputElement>("input[data-budget]").forEach((input) => {
      input.addEventListener("input", () => {
        const f = budgetFields(yaml.value)[Number(input.dataset.budget)];
        if (!f) return;
        const lines = yaml.value.split("\n");
        lines[f.line] = `${f.indent}budget: ${input.value.trim()}${f.comment ? `  ${f.comment}` : ""}`;
        yaml.value = lines.join("\n");
        store();
        refresh();
      });
    });
  };
  const store = () => {
    d.text = yaml.value;
    d.options = options();
    saveDraft(d);
  };
  const options = (): PlanOptions => {
    const o: PlanOptions = {};
    if (objective.value) o.objective = objective.value as PlanOptions["objective"];
    if (!ruleCosts.checked) o.no_rule_costs = true;
    if (verify.checked) o.verify = true;
    return o;
  };
  const clearError = () => {
    errorAt = 0;
    errorBox.hidden = true;
    refresh();
  };
  const showError = (message: string) => {
    const at = errorPosition(message);
    errorAt = at ? at.line : 0;
    errorBox.hidden = false;
    errorBox.innerHTML = `<strong>${at ? `Line ${at.line}, column ${at.column}` : "The plan could not start"}</strong>
      <span>${esc(at ? message.replace(/^request:\d+:\d+:\s*/, "") : message)}</span>
      ${at ? `<button class="link" id="goto">Show the line</button>` : ""}`;
    refresh();
    errorBox.querySelector("#goto")?.addEventListener("click", () => goToLine(at!.line, at!.column));
    if (at) goToLine(at.line, at.column);
  };
  const goToLine = (line: number, column: number) => {
    const lines = yaml.value.split("\n");
    let offset = 0;
    for (let i = 0; i < line - 1 && i < lines.length; ++i) offset += lines[i].length + 1;
    yaml.focus();
    yaml.setSelectionRange(offset + Math.max(0, column - 1), offset + (lines[line - 1]?.length ?? 0));
    yaml.scrollTop = Math.max(0, (line - 6) * lineHeight);
    placeError();
  };

  yaml.value = d.text;
  objective.value = d.options.objective ?? "";
  ruleCosts.checked = !d.options.no_rule_costs;
  verify.checked = Boolean(d.options.verify);
  refresh();
  renderBudgets();

  yaml.addEventListener("input", () => { store(); refresh(); });
  // Tab indents by two spaces (YAML has no tabs) instead of leaving the editor.
  yaml.addEventListener("keydown", (e) => {
    if (e.key !== "Tab" || e.shiftKey || e.ctrlKey || e.altKey || e.metaKey) return;
    e.preventDefault();
    yaml.setRangeText("  ", yaml.selectionStart, yaml.selectionEnd, "end");
    store();
    refresh();
  });
  yaml.addEventListener("change", renderBudgets);
  yaml.addEventListener("scroll", placeError);
  for (const el of [objective, ruleCosts, verify]) el.addEventListener("change", store);
  root.querySelectorAll<HTMLButtonElement>("[data-scenario]").forEach((button) => {
    button.addEventListener("click", () => {
      const s = scenarios.find((x) => x.name === button.dataset.scenario);
      if (!s) return;
      const base = scenarios.find((x) => x.name === d.base);
      if (base && base.yaml !== yaml.value && !confirm(`Replace your edits with ${s.name}?`)) return;
      d.base = s.name;
      yaml.value = s.yaml;
      store();
      root.querySelectorAll(".scenario-card").forEach((c) => c.classList.toggle("selected", c === button));
      clearError();
      renderBudgets();
    });
  });

  run.addEventListener("click", async () => {
    store();
    clearError();
    run.disabled = true;
    const progress = root.querySelector<HTMLDivElement>("#progress")!;
    const fill = root.querySelector<HTMLDivElement>("#progress-fill")!;
    const label = root.querySelector<HTMLSpanElement>("#progress-text")!;
    const pct = root.querySelector<HTMLSpanElement>("#progress-pct")!;
    const base = scenarios.find((s) => s.name === d.base);
    // An unedited built-in scenario is sent by name, so the history says which it was.
    const scenario = base && base.yaml === yaml.value ? base.name : yaml.value;
    try {
      const started = await api.startPlan(scenario, options());
      progress.hidden = false;
      for (;;) {
        const job = await api.job(started.job_id);
        fill.style.width = `${Math.round(job.progress * 100)}%`;
        pct.textContent = `${Math.round(job.progress * 100)} %`;
        label.textContent = job.state === "queued" ? "Queued" : job.state === "running" ? `Solving plan ${job.plan_id}…` : job.state === "done" ? "Done" : "Failed";
        if (job.state === "done") {
          location.hash = `#/plans/${job.plan_id}`;
          return;
        }
        if (job.state === "failed") {
          showError(job.error ?? "the plan job failed");
          break;
        }
        await new Promise((r) => setTimeout(r, 400));
      }
    } catch (e) {
      showError(e instanceof ApiError || e instanceof Error ? e.message : String(e));
    } finally {
      run.disabled = false;
    }
  });
}
