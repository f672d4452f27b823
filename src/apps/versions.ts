// Which variant of an action a connection's API version picks.
import type { ActionDef, VariantDef } from './types.js';

/**
 * The version that means "each action on the newest version it has": v2 where the API has it, v1
 * where only v1 exists (Pipedrive's leads, recents, users, notes).
 */
export const AUTO_VERSION = 'auto';

/**
 * The variant for `requested`: that version when the action has it; otherwise, and for `auto`, the
 * newest the action has (variants are in the app's version order, oldest first).
 */
export function pickVariant(action: Pick<ActionDef, 'variants'>, requested: string | null): VariantDef {
  const newest = action.variants[action.variants.length - 1] as VariantDef;
  if (requested === null || requested === AUTO_VERSION) return newest;
  return action.variants.find((v) => v.version === requested) ?? newest;
}
