import type { SerializeOptions } from '@palisade/signing';
import type { CommandContext } from '../command.ts';
import { Progress } from '../progress.ts';

type HashProgress = Parameters<NonNullable<SerializeOptions['onProgress']>>[0];

export interface HashProgressBar {
  /** Pass as `onProgress` to the signing package's serializer (signModel, serializeModel, verification). */
  readonly onProgress: (progress: HashProgress) => void;
  /** Clears the bar; call it in a `finally`. */
  done(): void;
}

/**
 * The hashing progress of `palisade sign` and `palisade verify` on standard error: megabytes hashed out of the
 * model's total, with files (or shards) done and the rate. Drawn only on a terminal and never with --quiet.
 */
export function hashProgressBar(context: CommandContext): HashProgressBar {
  const bar = new Progress(context.io, !context.flags.quiet);
  const started = Date.now();
  let total = -1;
  return {
    onProgress(progress) {
      if (total < 0) {
        total = Math.round(progress.bytesTotal / 1e6);
        bar.start(total);
      }
      const done =
        progress.bytesDone === progress.bytesTotal
          ? total
          : Math.min(total, Math.floor(progress.bytesDone / 1e6));
      const seconds = (Date.now() - started) / 1000;
      const rate = seconds > 0.5 ? `, ${(progress.bytesDone / 1e9 / seconds).toFixed(2)} GB/s` : '';
      bar.update(done, `MB hashed (${progress.tasksDone}/${progress.tasksTotal} files${rate})`);
    },
    done: () => bar.done(),
  };
}
