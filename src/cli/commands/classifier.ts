// `dppgan classifier train [--epochs N] [--seed N] [--force]`: train the MNIST classifier that labels
// Stacked-MNIST channels and gives FID/KID features, once; it is cached under the user cache directory
// ($DPPGAN_CACHE, else $XDG_CACHE_HOME/dppgan, else ~/.cache/dppgan) keyed by a hash of its settings.
import { Command } from 'commander';
import { initBackend } from '../../backend/index.js';
import {
  cacheDirectory,
  loadCachedClassifier,
  saveClassifier,
  trainMnistClassifier,
} from '../../train/classifier.js';
import type { CliIo } from '../io.js';
import { integerOption } from '../options.js';
import { terminalBar } from '../progress.js';

interface ClassifierTrainFlags {
  epochs: number;
  seed: number;
  force?: boolean;
}

export function classifierCommand(io: CliIo): Command {
  const command = new Command('classifier').description(
    'the MNIST classifier used by Stacked-MNIST metrics (mode labels, FID/KID features)',
  );
  command
    .command('train')
    .description('train the classifier once and cache it (prints its MNIST test accuracy)')
    .option('--epochs <n>', 'training epochs over the 60,000 MNIST images', integerOption(1), 3)
    .option('--seed <n>', 'initialisation and shuffling seed', integerOption(0), 0)
    .option('--force', 'retrain even when a cached classifier exists')
    .action(async (flags: ClassifierTrainFlags) => {
      const backend = await initBackend();
      const opts = { epochs: flags.epochs, seed: flags.seed };
      const cached = flags.force ? null : loadCachedClassifier(opts);
      if (cached) {
        io.out(
          `cached classifier ${cached.key}: test accuracy ${(100 * cached.testAccuracy).toFixed(2)}% (${cacheDirectory()}; --force retrains)`,
        );
        return;
      }
      const started = performance.now();
      let bar: ReturnType<typeof terminalBar> | null = null;
      // Without a terminal (a log file, CI): one line per epoch instead of a bar.
      const epochLines = epochProgress(io, flags.epochs, started);
      const trained = trainMnistClassifier({
        ...opts,
        onProgress: (done, total, loss) => {
          if (!io.isTTY) return epochLines(done, total, loss);
          bar ??= terminalBar(
            io,
            'classifier {bar} {value}/{total} | ETA {eta_formatted} | loss {loss}',
            total,
            {
              payload: { loss: '-' },
            },
          );
          bar.update(done, { loss: loss.toFixed(4) });
        },
      });
      (bar as ReturnType<typeof terminalBar> | null)?.stop();
      saveClassifier(trained, opts);
      const seconds = (performance.now() - started) / 1000;
      io.out(
        `trained classifier ${trained.key} on ${backend} in ${seconds.toFixed(0)} s: MNIST test accuracy ${(100 * trained.testAccuracy).toFixed(2)}%`,
      );
      io.out(`cached in ${cacheDirectory()}`);
    });
  return command;
}

/**
 * The classifier's progress where no bar can be drawn: at the end of each of `epochs` epochs, one stderr line
 * "classifier: epoch e/E, loss L, S s". Returns the `onProgress(done, total, loss)` callback.
 */
export function epochProgress(
  io: CliIo,
  epochs: number,
  started: number,
  now: () => number = () => performance.now(),
): (done: number, total: number, loss: number) => void {
  return (done, total, loss) => {
    const perEpoch = total / epochs;
    if (done % perEpoch !== 0) return;
    const seconds = ((now() - started) / 1000).toFixed(0);
    io.err(`classifier: epoch ${done / perEpoch}/${epochs}, loss ${loss.toFixed(4)}, ${seconds} s`);
  };
}
