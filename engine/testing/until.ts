/** Polls `pred` every `everyMs` until it holds; throws after `ms`. For tests that wait on real services. */
export async function until(pred: () => Promise<boolean> | boolean, ms = 15_000, everyMs = 100): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error('condition not met');
}
