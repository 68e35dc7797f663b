// An exclusive run lock (a file holding the owner's pid), so two extractions of one site never overlap.
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { FedstackError } from '../../errors.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the lock at `file`, breaking it when its owner process is gone;
 * returns the release function.
 * @throws FedstackError `STATE_IO` when another live process holds it.
 */
export async function acquireRunLock(file: string): Promise<() => Promise<void>> {
  await mkdir(path.dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return () => rm(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new FedstackError('STATE_IO', `cannot create lock ${file}: ${(error as Error).message}`);
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (pid && isAlive(pid))
        throw new FedstackError('STATE_IO', `another extraction (pid ${pid}) holds ${file}`);
      await rm(file, { force: true }); // stale: its owner died
    }
  }
  throw new FedstackError('STATE_IO', `cannot take lock ${file}`);
}
