// `where event = "ACTION.OBJECT"` of a webhook source, read with the app's definition: v1's names
// (`added`) stand for v2's (`create`), and `*` for every action or object.
import type { WebhookDef } from '../../apps/index.js';

export interface EventName {
  /** The app's own action name, or `*`. */
  action: string;
  object: string;
}

export function parseEventName(def: WebhookDef, text: string): EventName {
  const dot = text.indexOf('.');
  const rawAction = dot < 0 ? text : text.slice(0, dot);
  const object = dot < 0 ? '*' : text.slice(dot + 1);
  const action = Object.entries(def.actions).find(([name, aliases]) => name === rawAction || aliases.includes(rawAction))?.[0] ?? rawAction;
  return { action, object };
}

/** The canonical action of an event's `meta.action` (v1 names accepted). */
export function canonicalAction(def: WebhookDef, action: string): string {
  return Object.entries(def.actions).find(([name, aliases]) => name === action || aliases.includes(action))?.[0] ?? action;
}

export const matches = (want: EventName, action: string, object: string): boolean => (want.action === '*' || want.action === action) && (want.object === '*' || want.object === object);
