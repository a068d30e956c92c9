// The dppgan CLI run in this process (runCli with the output captured): fast, and it shares the test's tfjs
// backend. For a real child process see cli-process.ts.
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/run-cli.js';

/** `dppgan ...args`: exit code and stdout / stderr, each line ending in one newline. */
export async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (text) => {
      out += text.endsWith('\n') ? text : `${text}\n`;
    },
    err: (text) => {
      err += text.endsWith('\n') ? text : `${text}\n`;
    },
    isTTY: false,
  };
  const code = await runCli(['node', 'dppgan', ...args], io);
  return { code, out, err };
}
