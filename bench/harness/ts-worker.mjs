// Worker threads do not inherit the parent's TypeScript loader; load the module through tsx's API
// (as engine/shard/worker-entry.mjs does). workerData.module is relative to this file.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.module, import.meta.url);
