// Worker threads do not inherit the parent's TypeScript loader; load the shard through tsx's API.
import { tsImport } from 'tsx/esm/api';

await tsImport('./shard-worker.ts', import.meta.url);
