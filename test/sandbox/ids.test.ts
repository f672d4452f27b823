// `ids=` on the v2 lists of persons, deals and organizations, as Pipedrive's OpenAPI says: "comma
// separated string array of up to 100 entity ids to fetch ... If any of the requested entities do
// not exist or are not visible, they are not included in the response."
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox({ seed: 9, persons: 300, deals: 150, organizations: 120, plan: 'unlimited' });
});
afterAll(() => sb.close());

const get = async (path: string): Promise<{ status: number; body: { success: boolean; data: { id: number }[] | null } }> => {
  const res = await fetch(`${sb.url}${path}`, { headers: { 'x-api-token': sb.token } });
  return { status: res.status, body: (await res.json()) as never };
};

describe('v2 lists by ids', () => {
  for (const entity of ['persons', 'deals', 'organizations'] as const) {
    it(`${entity}: the records of the ids asked, leaving out those that do not exist; at most 100`, async () => {
      const wanted = [3, 1, 99, 100_000, 42];
      const r = await get(`/api/v2/${entity}?ids=${wanted.join(',')}&limit=100`);
      expect(r.status).toBe(200);
      expect(r.body.data!.map((x) => x.id).sort((a, b) => a - b)).toEqual([1, 3, 42, 99]);
      const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
      const all = await get(`/api/v2/${entity}?ids=${hundred.join(',')}&limit=100`);
      expect(all.body.data).toHaveLength(100);
      const tooMany = await get(`/api/v2/${entity}?ids=${[...hundred, 101].join(',')}&limit=100`);
      expect(tooMany.status).toBe(400);
    });
  }
});
