// A static file server for the built browser playground (dist/playground), bound to 127.0.0.1 only.
// It sends the cross-origin-isolation headers so that browsers may enable SharedArrayBuffer (threaded wasm).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runtimeError } from '../errors.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.bin': 'application/octet-stream',
};

/** Where the built playground lives: dist/playground next to the compiled CLI. */
export function playgroundDirectory(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', 'playground');
}

/** Serve `root` on 127.0.0.1:`port` (0 = any free port). Resolves once listening. */
export async function servePlayground(
  port: number,
  root = playgroundDirectory(),
): Promise<{ server: Server; url: string }> {
  if (!existsSync(join(root, 'index.html'))) {
    throw runtimeError(
      `the playground is not built (${join(root, 'index.html')} is missing): run \`npm run build\``,
    );
  }
  const server = createServer((request, response) => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    } catch {
      // A malformed %-escape would otherwise throw out of the handler and stop the server.
      response.writeHead(400, { 'Content-Type': 'text/plain' });
      response.end('bad request');
      return;
    }
    const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
    if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
      response.writeHead(404, { 'Content-Type': 'text/plain' });
      response.end('not found');
      return;
    }
    response.writeHead(200, {
      'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cache-Control': 'no-cache',
    });
    response.end(readFileSync(file));
  });
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? runtimeError(`port ${port} is already in use: pick another with --port`)
          : runtimeError(`cannot serve the playground: ${error.message}`),
      ),
    );
    server.listen(port, '127.0.0.1', () => resolvePromise());
  });
  const address = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${address.port}/` };
}
