// Test oracle: each receiver's payload rules as its public documentation states them; a list of violations.
//
// Slack: https://api.slack.com/reference/block-kit/blocks and /reference/messaging/attachments
//   (≤ 50 blocks; header plain_text ≤ 150; section text ≤ 3000, ≤ 10 fields of ≤ 2000; button text ≤ 75,
//   url ≤ 3000; attachment color a hex code; `text` is the notification fallback).
// Teams Workflows: https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using
//   ({ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: AdaptiveCard }] }).
// Adaptive Cards: https://adaptivecards.io/explorer/ (TextBlock, FactSet facts {title, value}, Action.OpenUrl {url}).
// Discord: https://discord.com/developers/docs/resources/webhook#execute-webhook and .../message#embed-object-embed-limits
//   (content ≤ 2000; ≤ 10 embeds; title ≤ 256, description ≤ 4096, ≤ 25 fields, name ≤ 256, value ≤ 1024,
//   footer ≤ 2048, all embed text ≤ 6000; color an integer; timestamp ISO 8601).
// PagerDuty Events v2: https://developer.pagerduty.com/docs/events-api-v2/trigger-events/
//   (routing_key, event_action trigger|acknowledge|resolve, dedup_key ≤ 255; trigger payload: summary ≤ 1024,
//   source, severity critical|error|warning|info; optional timestamp ISO 8601, component, group, class, custom_details).
// Twilio: https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource
//   (POST /2010-04-01/Accounts/{AccountSid}/Messages.json, HTTP basic auth AccountSid:AuthToken,
//   form-encoded To, From or MessagingServiceSid, Body ≤ 1600).

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown, max: number) => typeof v === 'string' && v.length > 0 && v.length <= max;

function textObject(t: unknown, max: number, where: string, errors: string[], plainOnly = false): void {
  if (!isObj(t)) {
    errors.push(`${where}: not a text object`);
    return;
  }
  if (t.type !== 'plain_text' && (plainOnly || t.type !== 'mrkdwn'))
    errors.push(`${where}.type ${String(t.type)}`);
  if (!str(t.text, max)) errors.push(`${where}.text missing or over ${max}`);
}

function slackBlocks(blocks: unknown, where: string, errors: string[]): void {
  if (!Array.isArray(blocks) || blocks.length > 50) {
    errors.push(`${where}: not an array of ≤ 50`);
    return;
  }
  blocks.forEach((b, i) => {
    const at = `${where}[${i}]`;
    if (!isObj(b)) {
      errors.push(`${at}: not an object`);
      return;
    }
    if (b.type === 'header') textObject(b.text, 150, `${at}.text`, errors, true);
    else if (b.type === 'section') {
      if (b.text === undefined && b.fields === undefined)
        errors.push(`${at}: section without text or fields`);
      if (b.text !== undefined) textObject(b.text, 3000, `${at}.text`, errors);
      if (b.fields !== undefined) {
        if (!Array.isArray(b.fields) || b.fields.length > 10) errors.push(`${at}.fields: over 10`);
        else
          b.fields.forEach((f, j) => {
            textObject(f, 2000, `${at}.fields[${j}]`, errors);
          });
      }
    } else if (b.type === 'context') {
      if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 10) {
        errors.push(`${at}.elements: 1 to 10`);
      } else
        b.elements.forEach((e, j) => {
          textObject(e, 3000, `${at}.elements[${j}]`, errors);
        });
    } else if (b.type === 'actions') {
      if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 25) {
        errors.push(`${at}.elements: 1 to 25`);
      } else {
        for (const e of b.elements as Obj[]) {
          if (e.type !== 'button') errors.push(`${at}: element ${String(e.type)}`);
          textObject(e.text, 75, `${at}.button.text`, errors, true);
          if (e.url !== undefined && !str(e.url, 3000)) errors.push(`${at}.button.url`);
        }
      }
    } else errors.push(`${at}: unexpected block type ${String(b.type)}`);
  });
}

export function slackErrors(body: unknown): string[] {
  const errors: string[] = [];
  if (!isObj(body)) return ['not an object'];
  if (!str(body.text, 40_000)) errors.push('text (notification fallback) missing');
  if (body.blocks !== undefined) slackBlocks(body.blocks, 'blocks', errors);
  if (body.attachments !== undefined) {
    if (!Array.isArray(body.attachments)) errors.push('attachments: not an array');
    else
      body.attachments.forEach((a, i) => {
        if (!isObj(a)) {
          errors.push(`attachments[${i}]: not an object`);
          return;
        }
        if (a.color !== undefined && !/^#[0-9a-fA-F]{6}$/.test(String(a.color)))
          errors.push(`attachments[${i}].color`);
        if (a.blocks !== undefined) slackBlocks(a.blocks, `attachments[${i}].blocks`, errors);
      });
  }
  return errors;
}

function cardElements(items: unknown, where: string, errors: string[]): void {
  if (!Array.isArray(items)) {
    errors.push(`${where}: not an array`);
    return;
  }
  items.forEach((e, i) => {
    const at = `${where}[${i}]`;
    if (!isObj(e)) {
      errors.push(`${at}: not an object`);
      return;
    }
    if (e.type === 'TextBlock') {
      if (typeof e.text !== 'string' || e.text === '') errors.push(`${at}.text`);
      if (
        e.color !== undefined &&
        !['default', 'dark', 'light', 'accent', 'good', 'warning', 'attention'].includes(
          String(e.color).toLowerCase(),
        )
      ) {
        errors.push(`${at}.color ${String(e.color)}`);
      }
    } else if (e.type === 'FactSet') {
      if (
        !Array.isArray(e.facts) ||
        e.facts.some((f) => !isObj(f) || typeof f.title !== 'string' || typeof f.value !== 'string')
      ) {
        errors.push(`${at}.facts: each needs string title and value`);
      }
    } else errors.push(`${at}: unexpected element ${String(e.type)}`);
  });
}

export function teamsErrors(body: unknown): string[] {
  const errors: string[] = [];
  if (!isObj(body) || body.type !== 'message') return ['type must be "message"'];
  if (!Array.isArray(body.attachments) || body.attachments.length !== 1) return ['one attachment expected'];
  const a = body.attachments[0] as Obj;
  if (a.contentType !== 'application/vnd.microsoft.card.adaptive') errors.push('contentType');
  const card = a.content as Obj;
  if (!isObj(card) || card.type !== 'AdaptiveCard') return [...errors, 'content.type must be AdaptiveCard'];
  if (typeof card.version !== 'string' || !/^1\.[0-5]$/.test(card.version))
    errors.push('version 1.0-1.5 (Teams)');
  cardElements(card.body, 'body', errors);
  if (card.actions !== undefined) {
    for (const act of card.actions as Obj[]) {
      if (act.type !== 'Action.OpenUrl' || typeof act.url !== 'string' || typeof act.title !== 'string') {
        errors.push('actions: Action.OpenUrl with title and url');
      }
    }
  }
  return errors;
}

export function discordErrors(body: unknown): string[] {
  const errors: string[] = [];
  if (!isObj(body)) return ['not an object'];
  if (body.content === undefined && body.embeds === undefined) errors.push('content or embeds required');
  if (body.content !== undefined && !str(body.content, 2000)) errors.push('content ≤ 2000');
  if (body.embeds !== undefined) {
    if (!Array.isArray(body.embeds) || body.embeds.length > 10) return [...errors, 'embeds ≤ 10'];
    let total = 0;
    body.embeds.forEach((e: Obj, i) => {
      const at = `embeds[${i}]`;
      if (e.title !== undefined && !str(e.title, 256)) errors.push(`${at}.title ≤ 256`);
      if (e.description !== undefined && !str(e.description, 4096)) errors.push(`${at}.description ≤ 4096`);
      if (
        e.color !== undefined &&
        !(Number.isInteger(e.color) && (e.color as number) >= 0 && (e.color as number) <= 0xffffff)
      ) {
        errors.push(`${at}.color integer`);
      }
      if (e.timestamp !== undefined && !ISO.test(String(e.timestamp)))
        errors.push(`${at}.timestamp ISO 8601`);
      const fields = (e.fields ?? []) as Obj[];
      if (fields.length > 25) errors.push(`${at}.fields ≤ 25`);
      for (const f of fields) {
        if (!str(f.name, 256) || !str(f.value, 1024)) errors.push(`${at}.fields name ≤ 256, value ≤ 1024`);
        total += String(f.name).length + String(f.value).length;
      }
      const footer = e.footer as Obj | undefined;
      if (footer !== undefined && !str(footer.text, 2048)) errors.push(`${at}.footer.text ≤ 2048`);
      total +=
        String(e.title ?? '').length + String(e.description ?? '').length + String(footer?.text ?? '').length;
    });
    if (total > 6000) errors.push('embed text ≤ 6000 in all');
  }
  return errors;
}

export function pagerDutyErrors(body: unknown): string[] {
  const errors: string[] = [];
  if (!isObj(body)) return ['not an object'];
  if (!str(body.routing_key, 100)) errors.push('routing_key');
  if (!['trigger', 'acknowledge', 'resolve'].includes(String(body.event_action))) errors.push('event_action');
  if (body.dedup_key !== undefined && !str(body.dedup_key, 255)) errors.push('dedup_key ≤ 255');
  if (body.event_action !== 'trigger') {
    if (body.dedup_key === undefined) errors.push('dedup_key required to acknowledge or resolve');
    return errors;
  }
  const p = body.payload as Obj;
  if (!isObj(p)) return [...errors, 'payload required for trigger'];
  if (!str(p.summary, 1024)) errors.push('payload.summary ≤ 1024');
  if (!str(p.source, 255)) errors.push('payload.source');
  if (!['critical', 'error', 'warning', 'info'].includes(String(p.severity))) errors.push('payload.severity');
  if (p.timestamp !== undefined && !ISO.test(String(p.timestamp))) errors.push('payload.timestamp ISO 8601');
  for (const k of ['component', 'group', 'class'])
    if (p[k] !== undefined && typeof p[k] !== 'string') errors.push(`payload.${k}`);
  if (p.custom_details !== undefined && !isObj(p.custom_details))
    errors.push('payload.custom_details object');
  if (body.links !== undefined) {
    for (const l of body.links as Obj[]) if (typeof l.href !== 'string') errors.push('links[].href');
  }
  return errors;
}

/** Checks a Twilio create-message request: path, basic auth, form body. */
export function twilioErrors(
  req: { method: string; url: string; headers: Record<string, unknown>; raw: string },
  sid: string,
  token: string,
): string[] {
  const errors: string[] = [];
  if (req.method !== 'POST') errors.push('method POST');
  if (req.url !== `/2010-04-01/Accounts/${sid}/Messages.json`) errors.push(`path ${req.url}`);
  const expected = `Basic ${Buffer.from(`${sid}:${token}`).toString('base64')}`;
  if (req.headers.authorization !== expected) errors.push('basic auth AccountSid:AuthToken');
  if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded'))
    errors.push('form-encoded');
  const form = new URLSearchParams(req.raw);
  if (!/^\+[1-9]\d{1,14}$/.test(form.get('To') ?? '')) errors.push('To in E.164');
  if (!form.get('From') && !form.get('MessagingServiceSid')) errors.push('From or MessagingServiceSid');
  const text = form.get('Body') ?? '';
  if (text.length === 0 || text.length > 1600) errors.push('Body 1 to 1600 characters');
  return errors;
}
