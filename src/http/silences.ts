// Admin routes for notifications: silences (list, create, expire: the API's only writes) and channel delivery status.

import { SilenceInputError } from '../channels/silences.js';
import { escapeControls } from '../logger.js';
import { readJsonBody } from './json-body.js';
import { sendData, sendError } from './respond.js';
import { type AdminContext, defineRoute, type NotificationsSource } from './route.js';

/** Largest silence body accepted. */
const MAX_BODY_BYTES = 16 * 1024;
const ID = /^[0-9a-f-]{36}$/;

function notifications(ctx: AdminContext): NotificationsSource | undefined {
  return ctx.source.notifications;
}

/**
 * Writes must come as JSON: a cross-site form cannot send `application/json`. (A page of another origin,
 * `Origin` with another scheme, host or port than the request's own, is refused before this: api.ts.)
 */
function refusedWrite(ctx: AdminContext): { status: number; message: string } | undefined {
  // Any write with a Content-Type, not only a POST: a method-override middleware mounted before sysvitals
  // (`_method=DELETE` in a form body) turns a cross-site form POST into a DELETE, whose body stays a form's.
  if (ctx.req.method === 'POST' || ctx.req.headers['content-type'] !== undefined) {
    const type = (ctx.req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      return { status: 415, message: 'send the body as content-type: application/json' };
    }
  }
  return undefined;
}

/**
 * `GET silences/` lists silences and maintenance windows; `POST silences/` creates one (201);
 * `GET silences/:id`; `DELETE silences/:id` or `POST silences/:id/expire` expires one.
 */
export const silencesRoute = defineRoute({
  path: 'silences',
  prefix: true,
  methods: ['GET', 'POST', 'DELETE'],
  async handle(ctx) {
    const { res, req } = ctx;
    const source = notifications(ctx);
    if (!source) {
      sendError(res, 404, 'not_found', 'notifications are not available on this server');
      return;
    }
    const rest = ctx.subpath.replace(/^silences\/?/, '').replace(/\/$/, '');
    const [id, action, ...extra] = rest === '' ? [] : rest.split('/');
    if (
      extra.length > 0 ||
      (action !== undefined && action !== 'expire') ||
      (id !== undefined && !ID.test(id))
    ) {
      sendError(res, 404, 'not_found', 'use silences/, silences/<id> or silences/<id>/expire');
      return;
    }
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const allowed = id === undefined ? ['GET', 'POST'] : action === 'expire' ? ['POST'] : ['GET', 'DELETE'];
    if (!allowed.includes(method ?? '')) {
      const allow = allowed.includes('GET') ? [...allowed, 'HEAD'] : allowed;
      sendError(res, 405, 'method_not_allowed', `${method} is not allowed here; use ${allow.join(', ')}`, {
        allow: allow.join(', '),
      });
      return;
    }
    if (method === 'GET') {
      if (id === undefined) {
        const silences = await source.silences.list();
        sendData(res, {
          count: silences.length,
          silences,
          maintenance_windows: source.maintenanceStatus(),
          timestamp: new Date(ctx.now()).toISOString(),
        });
        return;
      }
      const silence = await source.silences.get(id);
      if (silence) sendData(res, silence);
      else sendError(res, 404, 'not_found', `no silence ${id}`);
      return;
    }
    const refused = refusedWrite(ctx);
    if (refused) {
      sendError(res, refused.status, 'unsupported_media_type', refused.message);
      return;
    }
    if (id !== undefined) {
      const silence = await source.silences.expire(id);
      if (silence) {
        const log = ctx.logger.info ?? ctx.logger.warn;
        log.call(
          ctx.logger,
          { silence: id },
          `sysvitals: silence ${escapeControls(id)} expired from ${escapeControls(ctx.clientAddress)}`,
        );
      }
      if (silence) sendData(res, silence);
      else sendError(res, 404, 'not_found', `no silence ${id}`);
      return;
    }
    const body = await readJsonBody(req, MAX_BODY_BYTES);
    if (!body.ok) {
      sendError(
        res,
        body.status,
        body.status === 413 ? 'payload_too_large' : 'invalid_parameter',
        body.message,
      );
      return;
    }
    try {
      const silence = await source.silences.create(body.body);
      // An audit line: who muted what shows in the log (info where the logger has it).
      const log = ctx.logger.info ?? ctx.logger.warn;
      log.call(
        ctx.logger,
        { silence: silence.id, rule: silence.rule, component: silence.component, ends_at: silence.ends_at },
        // created_by is the client's text: quoted and escaped, it cannot forge a line (red-team F4).
        `sysvitals: silence ${silence.id} created until ${silence.ends_at} by ${silence.created_by === null ? 'unnamed' : escapeControls(JSON.stringify(silence.created_by))} from ${escapeControls(ctx.clientAddress)}`,
      );
      sendData(res, silence, 201);
    } catch (err) {
      if (err instanceof SilenceInputError && err.full) sendError(res, 409, 'too_many_silences', err.message);
      else if (err instanceof SilenceInputError) sendError(res, 400, 'invalid_parameter', err.message);
      else throw err;
    }
  },
});

/** `GET channels/`: delivery status per notification channel (also in `health/?detailed=true`). */
export const channelsRoute = defineRoute({
  path: 'channels',
  async handle(ctx) {
    const source = notifications(ctx);
    const channels = (await source?.status()) ?? [];
    sendData(ctx.res, { count: channels.length, channels, timestamp: new Date(ctx.now()).toISOString() });
  },
});
