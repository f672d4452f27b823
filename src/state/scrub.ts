// A last line of defence for text that reaches the state database from elsewhere (an API's error
// body quoted in a rejection reason, a library's error message): tokens never land in state.
// Records are data and are stored as given; only free text is scrubbed.
import { mask } from '../connections/secret.js';

// 40 hex characters standing alone is what a Pipedrive API token looks like. Longer hex runs
// (sha256 digests, some ids) are left alone: masking the middle of them would only corrupt them.
const TOKEN_LIKE = /(?<![0-9a-f])[0-9a-f]{40}(?![0-9a-f])/gi;
// A token in a URL or a quoted header, whatever its shape (another app's token may not be hex).
const TOKEN_PARAM = /\b(api_token|x-api-token|access_token|authorization)(["']?\s*[=:]\s*["']?)((?:bearer\s+)?)([^\s&"',;()\[\]{}<>]+)/gi;

export function scrubSecrets(text: string): string {
  return text.replace(TOKEN_PARAM, (_m, name: string, sep: string, scheme: string, value: string) => `${name}${sep}${scheme}${mask(value)}`).replace(TOKEN_LIKE, (m) => mask(m));
}
