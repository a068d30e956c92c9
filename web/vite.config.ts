// Builds the playground into dist/playground (served by `dppgan playground`). Node built-ins imported by
// Node-only library modules are replaced by browser stand-ins, and tfjs-backend-wasm's .wasm binaries are
// served from /wasm/ (dev) and copied into the build.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const wasmDirectory = join(
  dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm')),
  '.',
);
const WASM_FILES = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
];
const shim = resolve(here, 'src/shims/node.ts');
const NODE_BUILTINS = ['fs', 'path', 'crypto', 'zlib', 'os', 'module', 'url'];

function wasmBinaries(): Plugin {
  return {
    name: 'dppgan-wasm-binaries',
    configureServer(server) {
      server.middlewares.use((request, response, next) => {
        const file = WASM_FILES.find((name) => request.url?.endsWith(`/wasm/${name}`));
        if (!file) return next();
        response.setHeader('Content-Type', 'application/wasm');
        response.end(readFileSync(join(wasmDirectory, file)));
      });
    },
    writeBundle(options) {
      const target = join(options.dir ?? resolve(here, '../dist/playground'), 'wasm');
      mkdirSync(target, { recursive: true });
      for (const file of WASM_FILES) copyFileSync(join(wasmDirectory, file), join(target, file));
    },
  };
}

export default defineConfig({
  root: here,
  base: './',
  logLevel: 'warn',
  resolve: {
    alias: [
      ...NODE_BUILTINS.flatMap((name) => [
        { find: `node:${name}`, replacement: shim },
        { find: new RegExp(`^${name}$`), replacement: shim },
      ]),
      { find: /^pngjs$/, replacement: resolve(here, 'src/shims/pngjs.ts') },
    ],
  },
  build: {
    outDir: resolve(here, '../dist/playground'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 4000,
  },
  plugins: [wasmBinaries()],
  server: { host: '127.0.0.1' },
});
