/** Regenerates actors/EVENTS.md: `npx tsx actors/gen-events-doc.ts` */
import { writeFileSync } from 'node:fs';
import { renderEventsDoc } from './events-doc.ts';

writeFileSync(new URL('./EVENTS.md', import.meta.url), renderEventsDoc());
console.log('actors/EVENTS.md written');
