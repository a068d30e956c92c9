// `dppgan playground` serves the built page on 127.0.0.1 only and stops cleanly on Ctrl-C.
// Uses dist/ (npm test builds it first).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('dppgan playground', () => {
  it('serves index.html and the wasm binaries on 127.0.0.1, with cross-origin isolation, and exits on SIGINT', async () => {
    expect(existsSync('dist/playground/index.html'), 'run npm run build first').toBe(true);
    const child = spawn(process.execPath, ['dist/cli/main.js', 'playground', '--port', '0'], {
      stdio: 'pipe',
    });
    const url = await new Promise<string>((resolve, reject) => {
      let output = '';
      child.stdout.on('data', (chunk) => {
        output += chunk;
        const match = output.match(/open (http:\/\/127\.0\.0\.1:\d+\/)/);
        if (match) resolve(match[1]);
      });
      child.on('exit', (code) => reject(new Error(`exited early with ${code}: ${output}`)));
    });
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(await page.text()).toContain('dppgan playground');
    const wasm = await fetch(`${url}wasm/tfjs-backend-wasm-simd.wasm`);
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
    expect((await wasm.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
    expect((await fetch(`${url}../../package.json`)).status).toBe(404);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
