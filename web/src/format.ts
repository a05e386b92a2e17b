// Number formats of the terminal report (report/plan_report.cc), so the page and the
// terminal show the same figures: "22.54 bn USD", "572.7 M USD", "50.00 T tokens/day".

const grouped = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

//! "1,234,567" (counts of accelerators).
export function count(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "–";
  return grouped.format(Math.round(n));
}

//! An amount in a currency, as the text report writes it.
export function money(amount: number | null | undefined, currency = "USD"): string {
  if (amount === null || amount === undefined || !Number.isFinite(amount)) return "–";
  const a = Math.abs(amount);
  const sign = amount < 0 ? "-" : "";
  if (a >= 1e9) return `${sign}${(a / 1e9).toFixed(2)} bn ${currency}`;
  if (a >= 1e6) return `${sign}${(a / 1e6).toFixed(1)} M ${currency}`;
  return `${sign}${grouped.format(Math.round(a))} ${currency}`;
}

//! A signed change of money: "+1.55 bn USD", "-8 USD".
export function moneyDelta(amount: number | null | undefined, currency = "USD"): string {
  if (amount === null || amount === undefined || !Number.isFinite(amount)) return "–";
  if (Math.abs(amount) < 0.5) return `0 ${currency}`;
  return (amount > 0 ? "+" : "") + money(amount, currency);
}

//! "50.00 T", "812.5 bn", "3.2 M": large counts (tokens/day).
export function large(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  const a = Math.abs(value);
  const sign = value < 0 ? "-" : "";
  if (a >= 1e12) return `${sign}${(a / 1e12).toFixed(2)} T`;
  if (a >= 1e9) return `${sign}${(a / 1e9).toFixed(2)} bn`;
  if (a >= 1e6) return `${sign}${(a / 1e6).toFixed(2)} M`;
  return sign + grouped.format(Math.round(a));
}

export function signedLarge(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  return (value > 0 ? "+" : "") + large(value);
}

//! A service figure in its unit: "50.00 T tokens/day", "139.54 EFLOP/s".
export function quantity(value: number | null | undefined, unit: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  if (unit === "FLOP/s") {
    const a = Math.abs(value);
    if (a >= 1e18) return `${(value / 1e18).toFixed(2)} EFLOP/s`;
    if (a >= 1e15) return `${(value / 1e15).toFixed(2)} PFLOP/s`;
    return `${(value / 1e12).toFixed(2)} TFLOP/s`;
  }
  return `${large(value)} ${unit}`;
}

//! "71.7 %".
export function percent(share: number | null | undefined, digits = 1): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return "–";
  return `${(share * 100).toFixed(digits)} %`;
}

//! "+2.3 pp" for a change of a share.
export function points(delta: number | null | undefined): string {
  if (delta === null || delta === undefined || !Number.isFinite(delta)) return "–";
  return `${delta > 0 ? "+" : ""}${(delta * 100).toFixed(1)} pp`;
}

//! Watts as "714.5 MW".
export function megawatts(w: number | null | undefined): string {
  if (w === null || w === undefined || !Number.isFinite(w)) return "–";
  return `${(w / 1e6).toFixed(1)} MW`;
}

//! "2026-12-01 22:10 UTC" from an ISO time.
export function when(iso: string | null | undefined): string {
  if (!iso) return "–";
  return iso.replace("T", " ").replace(/:\d\dZ$/, " UTC");
}

//! Escapes text for HTML.
export function esc(text: unknown): string {
  return String(text ?? "")
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}
