// The dashboard of `fleetplan serve`: a hash router over its pages.
//   #/                 scenario editor (built-in scenarios, YAML, budgets, run)
//   #/plans            plan history          #/plans/ID      one plan
//   #/compare          pick two plans        #/compare/A/B   two plans side by side
//   #/sweeps           run a sweep           #/sweeps/ID     one sweep's statistics and CDF
import "@fontsource/inter/latin-400.css";
import "@fontsource/inter/latin-500.css";
import "@fontsource/inter/latin-600.css";
import "./style.css";
import { api, ApiError } from "./api";
import { clearCharts } from "./charts";
import { renderCompare } from "./compare";
import { renderEditor } from "./editor";
import { esc } from "./format";
import { renderHistory } from "./history";
import { renderPlan } from "./plan";
import { renderSweep, renderSweeps } from "./sweep";

const app = document.getElementById("app")!;

function highlight(nav: string): void {
  document.querySelectorAll<HTMLAnchorElement>("[data-nav]").forEach((a) => a.classList.toggle("active", a.dataset.nav === nav));
}

function showError(e: unknown): void {
  if (e instanceof ApiError && e.status === 401) {
    app.innerHTML = `<section class="panel narrow"><h2>Log in again</h2>
      <p>This server was started with <code>--token-file</code> and this browser's session has ended.</p>
      <p><a class="button primary" href="/login">Log in</a></p></section>`;
    return;
  }
  const message = e instanceof Error ? e.message : String(e);
  app.innerHTML = `<section class="panel alert narrow"><h2>Something went wrong</h2><p>${esc(message)}</p><p><a href="#/">Back to the scenario</a></p></section>`;
}

async function route(): Promise<void> {
  clearCharts();
  const [path, query = ""] = location.hash.replace(/^#/, "").split("?");
  const params = new URLSearchParams(query);
  const parts = path.split("/").filter(Boolean);
  try {
    if (parts[0] === "plans" && parts[1]) {
      highlight("plans");
      await renderPlan(app, Number(parts[1]));
    } else if (parts[0] === "plans") {
      highlight("plans");
      await renderHistory(app, params);
    } else if (parts[0] === "sweeps" && parts[1]) {
      highlight("sweeps");
      await renderSweep(app, Number(parts[1]));
    } else if (parts[0] === "sweeps") {
      highlight("sweeps");
      await renderSweeps(app);
    } else if (parts[0] === "compare") {
      highlight("compare");
      const a = parts[1] ? Number(parts[1]) : params.get("a") ? Number(params.get("a")) : null;
      await renderCompare(app, a, parts[2] ? Number(parts[2]) : null);
    } else {
      highlight("editor");
      await renderEditor(app);
    }
    window.scrollTo(0, 0);
  } catch (e) {
    showError(e);
  }
}

async function health(): Promise<void> {
  const badge = document.getElementById("server-status")!;
  try {
    const h = await api.health();
    badge.innerHTML = `<span class="dot ok"></span>fleetplan ${esc(h.version)} · ${esc(h.store)} store`;
  } catch {
    badge.innerHTML = `<span class="dot bad"></span>server unreachable`;
  }
}

window.addEventListener("hashchange", () => void route());
void route();
void health();
