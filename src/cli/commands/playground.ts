// `dppgan playground [--port P]`: serve the browser playground (built into dist/playground by `npm run build`)
// on 127.0.0.1 only, until Ctrl-C.
import { Command } from 'commander';
import type { CliIo } from '../io.js';
import { integerOption } from '../options.js';
import { servePlayground } from '../playground-server.js';

export function playgroundCommand(io: CliIo): Command {
  return new Command('playground')
    .description('serve the browser playground (plain GAN vs GDPP, live) on http://127.0.0.1:PORT/')
    .option('--port <p>', 'TCP port on 127.0.0.1 (0 = any free port)', integerOption(0, 65535), 8080)
    .action(async (opts: { port: number }) => {
      const { server, url } = await servePlayground(opts.port);
      io.out(`dppgan playground: open ${url} in a browser (Ctrl-C stops the server)`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          server.close();
          resolve();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
