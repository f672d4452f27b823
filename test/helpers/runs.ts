// How many cases a property or fuzz test generates. `npm run test:unit` sets SLUICE_QUICK_PROPERTIES
// for a fast edit-test loop: a tenth of the cases (at least 10), same seeds, so a failure found there
// is found again by the whole suite (`npm test`), which runs them all.
export function runs(n: number): number {
  return process.env.SLUICE_QUICK_PROPERTIES ? Math.max(10, Math.ceil(n / 10)) : n;
}
