// The UI is served by `threadline serve`: index.html at `/`, everything else under `/ui/`.
import { defineConfig } from "vite";

export default defineConfig({
  base: "/ui/",
  build: {
    outDir: "../src/threadline/web/static/ui",
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
});
