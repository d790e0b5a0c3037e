// Worker threads do not inherit the parent's TypeScript loader; load the urgent lane through tsx's API.
import { tsImport } from 'tsx/esm/api';

await tsImport('./urgent-worker.ts', import.meta.url);
