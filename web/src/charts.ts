// Charts (Chart.js, bundled; only the parts used are registered).
import {
  BarController, BarElement, CategoryScale, Chart, DoughnutController, ArcElement, Legend,
  LinearScale, LineController, LineElement, PointElement, Tooltip, type ChartConfiguration,
} from "chart.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, DoughnutController, ArcElement, Legend, Tooltip,
  LineController, LineElement, PointElement);
Chart.defaults.font.family = getComputedStyle(document.documentElement).getPropertyValue("--font-sans") || "system-ui, sans-serif";
Chart.defaults.font.size = 12;
Chart.defaults.color = "#475467";
Chart.defaults.animation = false;

//! Colours of sites and series, in order (colour-blind safe, muted).
export const palette = ["#1f4e79", "#4f9d9a", "#e0a030", "#b5525c", "#7b6fa8", "#6c8c3c", "#8c6d4f", "#5a7a99"];

const live = new Map<string, Chart>();

//! Draws (or redraws) a chart in the canvas with this id.
export function draw(id: string, config: ChartConfiguration): void {
  live.get(id)?.destroy();
  const canvas = document.getElementById(id) as HTMLCanvasElement | null;
  if (!canvas) return;
  live.set(id, new Chart(canvas, config));
}

//! Destroys every chart (before a page is replaced).
export function clearCharts(): void {
  for (const chart of live.values()) chart.destroy();
  live.clear();
}
