// Tests that need a service (PostgreSQL, Redis) skip, saying so, when it is not there: on one
// machine nothing may require them. In CI they must run: with CI or SLUICE_REQUIRE_SERVICES set,
// a missing service fails the test run instead of skipping silently past it.
export function requireServices(what: string): void {
  if (process.env.CI || process.env.SLUICE_REQUIRE_SERVICES) {
    throw new Error(`${what}; CI requires it (CI / SLUICE_REQUIRE_SERVICES is set), so this is a failure, not a skip`);
  }
  // Visible in the test output: a skipped suite must not look like a passing one.
  console.warn(`SKIPPED: ${what}`);
}
