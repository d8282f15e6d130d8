import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// Multi-page build into the silo host's wwwroot (git-ignored); the host's build copies it next to its assembly.
const pages = ['index', 'map', 'hall', 'screen', 'clerk', 'province', 'hotline', 'rate'];

export default defineConfig({
  base: '/',
  build: {
    outDir: resolve(__dirname, '../Silo/wwwroot'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 800,
    rollupOptions: {
      input: Object.fromEntries(pages.map((p) => [p, resolve(__dirname, `${p}.html`)])),
    },
  },
});
