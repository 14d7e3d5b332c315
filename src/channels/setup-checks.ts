// Setup checks of channel options a typo would turn into a channel that sends nothing useful (outside review 37,
// RT37-4): an email recipient that is no address, an SMS gateway whose request carries no alert text.

import { invalidOption } from '../errors.js';

/** `user@domain`, bare or as `Name <user@domain>` (what nodemailer takes); no space in the address itself. */
const ADDRESS = /^[^\s@<>",;]+@[^\s@<>",;]+$/;

/** Throws ERR_SYSVITALS_INVALID_OPTION naming the first recipient of `to` that is no email address. */
export function checkEmailRecipients(to: readonly string[], where: string): void {
  for (const entry of to) {
    // A string may list several, comma-separated (nodemailer's form), unless a quoted name may hold a comma.
    for (const part of entry.includes('"') ? [entry] : entry.split(',')) {
      const text = part.trim();
      const angle = /<([^<>]*)>\s*$/.exec(text);
      const address = angle ? (angle[1] as string).trim() : text;
      if (!ADDRESS.test(address)) {
        throw invalidOption(
          `sysvitals: \`${where}.to\`: ${JSON.stringify(text.slice(0, 100))} is not an email address (user@example.com or "Name <user@example.com>").`,
        );
      }
    }
  }
}

const TEXT = /\{\{\s*text\s*\}\}/;

/** Throws ERR_SYSVITALS_INVALID_OPTION when neither the URL nor the body sent (none with GET) has `{{text}}`. */
export function checkGatewayText(url: string, body: string, method: string, where: string): void {
  if (TEXT.test(url) || (method !== 'GET' && TEXT.test(body))) return;
  throw invalidOption(
    `sysvitals: \`${where}.${method === 'GET' ? 'url' : 'body'}\` has no \`{{text}}\`: the gateway would be sent no alert text. ` +
      `Put {{text}} where the message goes (${method === 'GET' ? 'in the URL: a GET request has no body' : 'in `body` or the URL'}).`,
  );
}
