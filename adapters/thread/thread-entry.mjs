// Worker threads do not inherit the parent's TypeScript loader; load the adapters' thread through tsx's API.
import { tsImport } from 'tsx/esm/api';

await tsImport('./thread-main.ts', import.meta.url);
