import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const uiRoot = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root: uiRoot,
  base: './',
  // Tauri prints its own messages; keep Vite's screen.
  clearScreen: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
  },
  server: {
    port: 5173,
    strictPort: true,
    // The i18n catalogue lives in ../assets, shared with the Rust side.
    fs: { allow: [repoRoot] },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
