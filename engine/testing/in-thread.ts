import { Worker } from 'node:worker_threads';

/**
 * Runs `body` in a worker thread of its own and resolves with what it
 * returns: for what is per thread (its OS priority, its CPU time). `body` is
 * the source of a function `(m, data) => result` (async allowed), `m` being
 * the TypeScript module `specifier` imported relative to `base` (a test's
 * `import.meta.url`); the result must survive structured cloning.
 */
export function inThread<T>(specifier: string, base: string, body: string, data?: unknown): Promise<T> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    import('tsx/esm/api').then(async ({ tsImport }) => {
      const m = await tsImport(workerData.specifier, workerData.base);
      parentPort.postMessage(await (${body})(m, workerData.data));
    });`;
  const w = new Worker(code, { eval: true, workerData: { specifier, base, data } });
  return new Promise<T>((resolve, reject) => {
    w.once('message', (m: T) => {
      resolve(m);
      void w.terminate();
    });
    w.once('error', reject);
  });
}
