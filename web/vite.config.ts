// The dashboard is built into dist/ and served by `fleetplan serve` (no CDN, no fonts
// fetched at run time: everything is bundled). `npm run dev` proxies /api to a local server.
import { defineConfig } from "vite";

export default defineConfig({
  base: "/",
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 600 },
  server: { proxy: { "/api": "http://127.0.0.1:8080", "/healthz": "http://127.0.0.1:8080" } },
});
