// The dashboard as a person uses it, in Debian's headless chromium (playwright-core, no
// browser download): start `fleetplan serve` on a free loopback port with a temporary
// store, open the page, load the reference scenario, run it, see the plan; give a bad
// budget and see the parser's error at its line; set a budget of 144 bn CNY, run, see the
// new plan; compare it with the first; run a grid sweep and read its statistics. Screenshots go to --out. Stops the server after.
// With --token the server has a --token-file: the page first answers 401 with a login
// form, refuses a wrong token, takes the right one (an HttpOnly, SameSite=Strict cookie),
// and the printed address with ?token= logs a fresh browser in; then the same tour.
//
//   node tests/browser.mjs --fleetplan BUILD/src/cli/fleetplan --out BUILD/web-screenshots [--token]
//
// Expected figures are derived from the scenario file, not from the program: the 2026
// budget is 160 bn CNY at 6.96 CNY per USD (data/scenarios/bytedance-2026.yaml), so
// 22.99 bn USD; 144 bn CNY is 20.69 bn USD; the change is -16 bn CNY = -2.30 bn USD.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const here = dirname(fileURLToPath(import.meta.url));
const web = resolve(here, "..");
const { values: args } = parseArgs({
  options: {
    fleetplan: { type: "string" },
    out: { type: "string", default: join(web, "..", "build", "web-screenshots") },
    chromium: { type: "string", default: process.env.CHROMIUM ?? "/usr/bin/chromium" },
    token: { type: "boolean", default: false },
  },
});
const SKIP = 77; // ctest's SKIP_RETURN_CODE
if (!args.fleetplan) {
  console.error("usage: browser.mjs --fleetplan FLEETPLAN [--out DIR] [--chromium PATH]");
  process.exit(2);
}
if (!existsSync(join(web, "node_modules", "playwright-core")) || !existsSync(join(web, "dist", "index.html"))) {
  console.error("web/node_modules or web/dist missing: run `npm ci && npm run build` in web/ (scripts/test does)");
  process.exit(SKIP);
}
if (!existsSync(args.chromium)) {
  console.error(`no chromium at ${args.chromium} (Debian package chromium; scripts/lib.sh installs it)`);
  process.exit(SKIP);
}
const { chromium } = await import("playwright-core");

let failures = 0;
let checks = 0;
function check(ok, what, detail = "") {
  ++checks;
  if (ok) {
    console.log(`  ok   ${what}`);
  } else {
    ++failures;
    console.log(`  FAIL ${what}${detail ? `: ${detail}` : ""}`);
  }
}

// The server, on a port the kernel picks (--port 0), found in its first line.
const store = mkdtempSync(join(tmpdir(), "fleetplan-browser-"));
mkdirSync(args.out, { recursive: true });
const TOKEN = "browser-test-token-4f9c";
const tokenFile = join(store, "token");
writeFileSync(tokenFile, `${TOKEN}\n`);
// The test's own API calls (the page's come with its cookie).
const apiHeaders = args.token ? { Authorization: `Bearer ${TOKEN}` } : {};
const serveArgs = ["serve", "--port", "0", "--bind", "127.0.0.1", "--store", join(store, "plans.db"), "--web-dir", join(web, "dist")];
if (args.token) serveArgs.push("--token-file", tokenFile);
const server = spawn(args.fleetplan, serveArgs, { stdio: ["ignore", "pipe", "pipe"] });
let serverOut = "";
server.stdout.on("data", (d) => (serverOut += d));
let serverLog = "";
server.stderr.on("data", (d) => (serverLog += d));
const base = await new Promise((resolveUrl, reject) => {
  const timer = setTimeout(() => reject(new Error(`fleetplan serve did not start:\n${serverLog}`)), 20000);
  let out = "";
  server.stdout.on("data", (d) => {
    out += d;
    const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
    if (m) {
      clearTimeout(timer);
      resolveUrl(m[1]);
    }
  });
  server.on("exit", (code) => reject(new Error(`fleetplan serve exited (${code}):\n${serverLog}`)));
});
console.log(`server: ${base}, store ${store}`);

const browser = await chromium.launch({ executablePath: args.chromium, args: ["--no-sandbox", "--disable-gpu"] });
const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
const page = await context.newPage();
const pageErrors = [];
page.on("pageerror", (e) => pageErrors.push(String(e)));
page.on("console", (m) => m.type() === "error" && pageErrors.push(m.text()));
const shot = (name) => page.screenshot({ path: join(args.out, name), fullPage: true });
const text = async (selector) => (await page.locator(selector).first().innerText()).replace(/\s+/g, " ").trim();

async function runPlan() {
  await page.click("#run");
  // The progress bar shows while the job is queued or running (a plan takes seconds).
  const shown = await page.waitForSelector("#progress:not([hidden])", { timeout: 10000 }).then(() => true, () => false);
  check(shown, "a progress bar shows while the plan is solved");
  await page.waitForURL(/#\/plans\/\d+$/, { timeout: 120000 });
  await page.waitForSelector("#plan-title", { timeout: 20000 });
  return Number(/#\/plans\/(\d+)$/.exec(page.url())[1]);
}

// The login a person with the token file goes through.
async function logIn() {
  console.log("log in (the server has a --token-file)");
  check(serverOut.includes(`/?token=TOKEN in a browser, TOKEN being the contents of ${tokenFile}`) && !serverOut.includes(TOKEN),
    "the server prints the address to open and where the token is, not the token", serverOut);
  const first = await page.goto(`${base}/`);
  check(first.status() === 401 && (await page.locator('form[action="/login"] #token').count()) === 1, "without the token the page answers 401 with a login form", String(first.status()));
  await page.fill("#token", `${TOKEN}x`);
  const refused = await Promise.all([page.waitForResponse((r) => r.url() === `${base}/login` && r.request().method() === "POST"), page.click('button[type="submit"]')]);
  await page.waitForSelector("#token");
  check(refused[0].status() === 401, "a wrong token answers 401", String(refused[0].status()));
  check((await page.locator(".bad").count()) === 1, "a wrong token is refused");
  await page.fill("#token", TOKEN);
  await Promise.all([page.waitForURL(`${base}/`), page.click('button[type="submit"]')]);
  await page.waitForSelector('[data-scenario="bytedance-2026"]');
  const cookie = (await context.cookies()).find((c) => c.name === "fleetplan_session");
  check(cookie !== undefined && cookie.httpOnly && cookie.sameSite === "Strict", "the right token logs in with an HttpOnly, SameSite=Strict cookie", JSON.stringify(cookie));
  const fresh = await browser.newContext();
  const other = await fresh.newPage();
  await other.goto(`${base}/?token=${TOKEN}`);
  await other.waitForSelector('[data-scenario="bytedance-2026"]');
  check(other.url() === `${base}/`, "the printed address with ?token= logs a fresh browser in and drops the token from the address", other.url());
  await fresh.close();
  // The 401 answers above are logged by chromium as failed loads: expected, not the page's.
  pageErrors.length = 0;
}

try {
  if (args.token) await logIn();
  console.log("editor: built-in scenarios");
  await page.goto(`${base}/`);
  await page.waitForSelector('[data-scenario="bytedance-2026"]');
  check((await page.locator("[data-scenario]").count()) >= 3, "the built-in scenarios are offered (3 in data/scenarios)");
  await page.click('[data-scenario="bytedance-2025-ft"]');
  check((await page.inputValue("#yaml")).includes("name: bytedance-2025-ft"), "choosing a scenario loads its YAML");
  await page.click('[data-scenario="bytedance-2026"]');
  const yaml = await page.inputValue("#yaml");
  check(yaml.includes("name: bytedance-2026"), "the reference scenario is loaded");
  check((await page.inputValue('[data-budget="0"]')) === "160 bn CNY", "its budget field shows 160 bn CNY");
  await shot("1-editor.png");

  console.log("plan 1: the reference scenario");
  const first = await runPlan();
  check((await text("#plan-title")).startsWith("bytedance-2026"), "the plan page names the scenario");
  const kpis = await text(".period .kpis");
  check(kpis.includes("22.99 bn USD") && kpis.includes("160.00 bn CNY"), "budget 160 bn CNY = 22.99 bn USD at 6.96", kpis);
  const fleetRows = await page.locator("#fleet-table-0 tbody tr").count();
  check(fleetRows > 0, "the fleet table has rows", String(fleetRows));
  const planJson = await (await fetch(`${base}/api/plans/${first}`, { headers: apiHeaders })).json();
  const firstLine = planJson.periods[0].fleet[0];
  const firstRow = await text("#fleet-table-0 tbody tr");
  check(firstRow.startsWith(firstLine.accelerator) && firstRow.includes(Math.round(firstLine.count).toLocaleString("en-US")),
    "the first fleet row shows the plan's first line and its count", firstRow);
  check((await page.locator("#rules-table tbody tr").count()) === planJson.rules.length && planJson.rules.length > 0, "one row per rule priced");
  check((await page.locator("#assumptions li").count()) === planJson.assumptions.length, "every assumption is listed");
  check((await page.locator("canvas").count()) >= 2, "the charts are drawn");
  await shot("2-plan.png");
  await page.screenshot({ path: join(args.out, "2-plan-top.png") }); // the first screen (docs/img)

  console.log("editor: an error at its line, then a budget of 144 bn CNY");
  await page.click('[data-nav="editor"]');
  await page.waitForSelector("#yaml");
  check((await page.inputValue("#yaml")) === yaml, "the editor keeps the scenario text");
  const budgetLine = yaml.split("\n").findIndex((l) => /^\s+budget: 160 bn CNY/.test(l)) + 1;
  await page.fill('[data-budget="0"]', "lots");
  await page.click("#run");
  await page.waitForSelector("#error-box:not([hidden])");
  const error = await text("#error-box");
  check(error.includes(`Line ${budgetLine},`) && error.includes("budget"), `a bad budget is reported at line ${budgetLine}`, error);
  check((await page.locator("#gutter span.bad").innerText()) === String(budgetLine), "the gutter marks that line");
  await shot("3-error.png");
  // The browser logs the expected 400 of the bad budget; only other errors count.
  pageErrors.splice(0, pageErrors.length, ...pageErrors.filter((m) => !m.includes("status of 400")));
  await page.fill('[data-budget="0"]', "144 bn CNY");
  check((await page.inputValue("#yaml")).split("\n")[budgetLine - 1].trim() === "budget: 144 bn CNY", "the budget field edits the YAML");
  const second = await runPlan();
  check(second !== first, "a new plan is stored", `${first} then ${second}`);
  const kpis2 = await text(".period .kpis");
  check(kpis2.includes("20.69 bn USD") && kpis2.includes("144.00 bn CNY"), "budget 144 bn CNY = 20.69 bn USD", kpis2);
  await shot("4-plan-144.png");

  console.log("history and comparison");
  await page.click('[data-nav="plans"]');
  await page.waitForSelector("#history-table");
  check((await page.locator("#history-table tbody tr").count()) === 2, "the history lists both plans");
  await shot("5-history.png");
  await page.check(`[data-select="${first}"]`);
  await page.check(`[data-select="${second}"]`);
  await page.click("#compare");
  await page.waitForSelector("#inputs-table");
  const inputs = await text("#inputs-table");
  check(inputs.includes("periods[0].budget") && inputs.includes("160 bn CNY") && inputs.includes("144 bn CNY"), "the comparison names the budget that changed", inputs);
  const totals = await text("#totals-table");
  check(/Budget 22\.99 bn USD 20\.69 bn USD -2\.30 bn USD/.test(totals), "budget change -16 bn CNY = -2.30 bn USD", totals);
  check((await page.locator("#fleet-diff tbody tr").count()) > 0, "the fleet is compared line by line");
  await shot("6-compare.png");
  await page.screenshot({ path: join(args.out, "6-compare-top.png") });

  // A grid of five budgets, 120 to 200 bn CNY (the range 120:200:5 of the page's example):
  // five runs, the scenario's own budget (160 bn CNY) named as the base, the CDF drawn.
  console.log("a sweep from the page");
  await page.click('[data-nav="sweeps"]');
  await page.waitForSelector("#run-sweep");
  check((await page.inputValue("#sweep-params")) === "periods[2026].budget=120 bn CNY:200 bn CNY:5", "the grid example is offered");
  await page.click("#run-sweep");
  await page.waitForURL(/#\/sweeps\/\d+$/, { timeout: 120000 });
  await page.waitForSelector("#sweep-summary");
  const sweepId = Number(/#\/sweeps\/(\d+)$/.exec(page.url())[1]);
  const lede = await text(".page-head .lede");
  check(/grid, max-served; 5 of 5 runs planned, 0 infeasible/.test(lede), "the sweep planned the grid's five runs", lede);
  check((await text("main table.data tbody tr")).includes("160 bn CNY"), "the scenario's budget is the base");
  const sweepJson = await (await fetch(`${base}/api/sweeps/${sweepId}`, { headers: apiHeaders })).json();
  const withValues = sweepJson.summary.outputs.filter((o) => o.runs > 0).length;
  check(withValues > 0 && (await page.locator("#sweep-summary tbody tr").count()) === withValues, "one row per output with a value");
  check((await page.locator("canvas#sweep-cdf").count()) === 1, "the metric's CDF is drawn");
  await shot("7-sweep.png");
  await page.screenshot({ path: join(args.out, "7-sweep-top.png") }); // the first screen (docs/img)
  check(pageErrors.length === 0, "no errors in the page's console", pageErrors.join("; "));
} catch (e) {
  ++failures;
  console.log(`  FAIL ${e instanceof Error ? e.stack : e}`);
  await shot("failure.png").catch(() => {});
} finally {
  await browser.close();
  server.kill("SIGTERM");
  const code = await new Promise((r) => (server.exitCode !== null ? r(server.exitCode) : server.on("exit", (c) => r(c))));
  check(code === 0, "the server stops cleanly on SIGTERM", `exit ${code}\n${serverLog}`);
  rmSync(store, { recursive: true, force: true });
}
console.log(`${checks - failures} of ${checks} checks passed; screenshots in ${args.out}`);
process.exit(failures === 0 ? 0 : 1);
