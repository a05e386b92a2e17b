// The JSON API of `fleetplan serve` (src/server/openapi.json), typed for the dashboard.

export interface Money { amount: number; currency: string }
export interface ScenarioPeriod { name: string; start: string; end: string; budget: Money | null; budget_usd: number | null }
export interface BuiltinScenario { name: string; default: boolean; description: string; periods: ScenarioPeriod[]; yaml: string }

export interface PlanOptions {
  objective?: "min-cost" | "max-served";
  gap?: number;
  verify?: boolean;
  no_rule_costs?: boolean;
  without_rule?: string[];
  with_rule?: string[];
}

export interface Job { job_id: number; kind: "plan" | "sweep"; plan_id: number; sweep_id?: number; state: "queued" | "running" | "done" | "failed"; progress: number; error: string | null }

//! POST /api/sweeps options: `fleetplan sweep`'s flags by the same names.
export interface SweepOptions { set?: string[]; vary?: string[]; samples?: number; seed?: number; metric?: string; objective?: string; rule_costs?: boolean; tornado?: boolean }
export interface SweepOutput { name: string; unit: string; description: string; runs: number; mean: number; p10: number; p50: number; p90: number; min: number; max: number }
export interface SweepJson {
  scenario: string; source: string; mode: "grid" | "tornado" | "monte-carlo"; objective: string; rule_costs: boolean;
  seed?: number; samples?: number; metric: string;
  parameters: { path: string; base: string | null; values?: string[]; distribution?: string; source?: string }[];
  summary: { runs: number; planned: number; infeasible: number; outputs: SweepOutput[]; conflicts?: { constraint: string; runs: number; first_run: number; message: string }[] };
  runs: { run: number; inputs: Record<string, string>; status: string; outputs: Record<string, number | null> }[];
}
export interface SweepSummary {
  sweep_id: number; scenario: string; source: string; created_at: string; finished_at: string | null; state: Job["state"]; error: string | null;
  options: SweepOptions;
  headline: { mode: string; runs: number; planned: number; infeasible: number; metric: string; metric_unit: string; metric_mean?: number; metric_p10?: number; metric_p50?: number; metric_p90?: number } | null;
}

export interface Headline {
  spend_usd: number; budget_usd: number; demand_tokens_per_day: number; served_tokens_per_day: number;
  domestic_share: number | null; accelerators_active: number; periods: number;
}
export interface PlanSummary {
  plan_id: number; job_id: number; scenario: string; source: string; created_at: string; finished_at: string | null;
  state: Job["state"]; status: string | null; objective: string | null; options: PlanOptions; version: string;
  error: string | null; headline: Headline | null;
}
export interface PlanList { total: number; limit: number; offset: number; plans: PlanSummary[] }

export interface ServiceLine { name: string; kind: "inference" | "training"; unit: string; demand: number; served: number; capacity: number }
export interface FleetLine {
  accelerator: string; site: string; mode: string; count: number; acquired: number; cost_usd: number;
  power_w: number; domestic: boolean; allocation: Record<string, number>;
}
export interface SiteLine { name: string; region: string | null; power_w: number; power_limit_w: number | null }
export interface BudgetLine { name: string; spend_usd: number; max_usd: number; binding: boolean }
export interface PeriodResult {
  name: string; report_currency_per_usd?: number; budget_usd: number | null; spend_usd: number;
  domestic_share: number | null; domestic_share_spend: number; capacity_tokens_per_day: number;
  demand_tokens_per_day: number; served_tokens_per_day: number; accelerators_active: number;
  accelerators_acquired: number; services: ServiceLine[]; fleet: FleetLine[]; sites: SiteLine[];
  budget_lines: BudgetLine[];
}
export interface RuleCost {
  name: string; description: string; source: string; binding: boolean; cost_usd: number;
  tokens_per_day: number[]; served_score_change: number; status_without: string;
}
export interface Conflict { constraint: string; kind: string; rule: string; period: string | null; amount: number; unit: string; relative: number; message: string }
export interface Capacity { accelerator: string; service: string; per_accelerator: number; deployment: number; note: string }
export interface PlanJson {
  scenario: string; report_currency?: string; objective: string; status: string; gap: number; served_gap: number;
  solves: number; nodes: number; spend_usd: number; residual_usd: number; cost_usd: number; served_score: number;
  rules_left_out: string[]; rules_added: string[]; periods: PeriodResult[]; rules: RuleCost[];
  tight: { name: string; kind: string; rule: string }[]; conflicts: Conflict[]; capacities: Capacity[];
  assumptions: string[]; policy: string[]; verification?: Record<string, unknown>[];
}
export interface PlanInputs {
  plan_id: number; scenario: string; source: string; scenario_text: string; options: PlanOptions;
  version: string; created_at: string; finished_at: string | null; state: Job["state"];
}

export interface Compared { a: number | null; b: number | null; delta: number | null }
export interface PlanDiff {
  a: { plan_id: number; scenario: string; status: string; objective: string };
  b: { plan_id: number; scenario: string; status: string; objective: string };
  totals: Record<string, Compared>;
  periods: ({ period: string } & Record<string, Compared | string>)[];
  fleet: { period: string; accelerator: string; site: string; mode: string; count: Compared; cost_usd: Compared }[];
  served: { period: string; service: string; unit: string; served: Compared; demand: Compared }[];
  rules: { rule: string; cost_usd: Compared; binding: { a: boolean | null; b: boolean | null } }[];
  inputs: { scenario: { path: string; a: string | null; b: string | null }[]; options: { option: string; a: unknown; b: unknown }[] };
}

//! An answer that is not 2xx: the server's `{"error": ...}` and the HTTP status.
export class ApiError extends Error {
  constructor(public status: number, message: string, public body: Record<string, unknown> = {}) {
    super(message);
  }
}

// With a --token-file the browser carries the server's session cookie (HttpOnly: no
// script here sees the token); same-origin requests send it by themselves.
async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try { json = text ? JSON.parse(text) : {}; } catch { json = { error: text }; }
  if (!res.ok) throw new ApiError(res.status, String(json.error ?? `HTTP ${res.status}`), json);
  return json as T;
}

export const api = {
  health: () => call<{ status: string; version: string; store: string; jobs_queued: number; jobs_running: number }>("GET", "/healthz"),
  scenarios: () => call<{ scenarios: BuiltinScenario[] }>("GET", "/api/scenarios"),
  startPlan: (scenario: string, options: PlanOptions) => call<{ job_id: number; plan_id: number }>("POST", "/api/plans", { scenario, options }),
  job: (id: number) => call<Job>("GET", `/api/jobs/${id}`),
  plan: (id: number) => call<PlanJson>("GET", `/api/plans/${id}`),
  inputs: (id: number) => call<PlanInputs>("GET", `/api/plans/${id}/inputs`),
  plans: (query = "") => call<PlanList>("GET", `/api/plans${query}`),
  diff: (a: number, b: number) => call<PlanDiff>("GET", `/api/plans/${a}/diff/${b}`),
  startSweep: (scenario: string, options: SweepOptions) => call<{ job_id: number; sweep_id: number }>("POST", "/api/sweeps", { scenario, options }),
  sweep: (id: number) => call<SweepJson>("GET", `/api/sweeps/${id}`),
  sweeps: (query = "") => call<{ total: number; sweeps: SweepSummary[] }>("GET", `/api/sweeps${query}`),
};
