import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The admin service serves dist/ under /admin/ and the API under /admin/api; `npm run dev` here
// proxies the API to a running admin service (MPSTACK_ADMIN_PORT, 8086 by default).
const adminPort = process.env['MPSTACK_ADMIN_PORT'] ?? '8086';

export default defineConfig({
  base: '/admin/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2500 },
  server: { proxy: { '/admin/api': `http://127.0.0.1:${adminPort}` } },
});
