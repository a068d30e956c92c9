// Security: the playground server answers on 127.0.0.1 only and serves nothing outside its directory (path
// traversal in every spelling → 404; a malformed %-escape → 400, and the server keeps serving); config files
// are data, never code (JSON.parse + a strict schema: prototype keys and JavaScript are rejected).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { servePlayground } from '../src/cli/playground-server.js';
import { DppganError } from '../src/errors.js';
import { loadConfigFile } from '../src/train/index.js';

const scratch = mkdtempSync(join(tmpdir(), 'dppgan-security-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** GET a raw path (no client-side normalisation of `..`). */
function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path }, (response) => {
      let body = '';
      response.on('data', (chunk) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.setTimeout(5000, () => req.destroy(new Error(`no response to ${path} within 5 s`)));
    req.on('error', reject);
    req.end();
  });
}

describe('playground server', () => {
  it('binds 127.0.0.1 and serves only its own directory', async () => {
    const root = join(scratch, 'site');
    mkdirSync(root);
    writeFileSync(join(root, 'index.html'), '<p>playground</p>');
    writeFileSync(join(scratch, 'secret.txt'), 'secret');
    const { server } = await servePlayground(0, root);
    try {
      const address = server.address() as { address: string; port: number };
      expect(address.address).toBe('127.0.0.1');
      const port = address.port;
      expect(await get(port, '/')).toEqual({ status: 200, body: '<p>playground</p>' });
      for (const path of [
        '/../secret.txt',
        '/..%2fsecret.txt',
        '/%2e%2e/secret.txt',
        '/%2e%2e%2fsecret.txt',
        '/..%5csecret.txt',
        '/.%2e/.%2e/etc/passwd',
        `/${encodeURIComponent(join(scratch, 'secret.txt'))}`,
      ]) {
        const response = await get(port, path);
        expect(response.status, path).toBe(404);
        expect(response.body).not.toContain('secret');
      }
      expect((await get(port, '/%E0%A4%A')).status).toBe(400);
      expect((await get(port, '/index.html')).status).toBe(200); // still serving
    } finally {
      server.close();
    }
  });
});

describe('config files are data, never code', () => {
  it.each([
    [
      'a prototype key',
      '{"data": "ring", "model": "mlp-gdpp", "__proto__": {"polluted": true}}',
      /unknown key "__proto__"/,
    ],
    [
      'a constructor key',
      '{"data": "ring", "model": "mlp-gdpp", "constructor": {"prototype": {"polluted": true}}}',
      /unknown key "constructor"/,
    ],
    [
      'JavaScript',
      'module.exports = { data: "ring", model: "mlp-gdpp" }; globalThis.polluted = true;',
      /not valid JSON/,
    ],
    [
      'a function-like string',
      '{"data": "ring", "model": "(() => { globalThis.polluted = true })()"}',
      /"model": expected one of/,
    ],
  ])('%s is rejected and runs nothing', (_name, text, pattern) => {
    const file = join(scratch, 'config.json');
    writeFileSync(file, text);
    expect(() => loadConfigFile(file)).toThrow(pattern);
    expect(() => loadConfigFile(file)).toThrow(DppganError);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((globalThis as Record<string, unknown>).polluted).toBeUndefined();
  });
});
