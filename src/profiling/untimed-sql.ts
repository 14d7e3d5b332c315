// SQL statements that wait for another session rather than for the server (outside review 9b, F12): a standby
// in `SELECT pg_advisory_lock(k)` waits, for hours, until the leader lets go. Like Redis's BLPOP, that wait is not
// query latency, so the instrumentations neither time nor count such statements, nor hold them in flight.

/**
 * Written anywhere in a statement's text, this comment keeps the statement out of the query figures (not timed,
 * counted, logged slow or in flight): for a wait of the application's own (a `pg_sleep` poll, a lock taken inside
 * a larger statement).
 */
export const UNTIMED_MARKER = '/* sysvitals:untimed */';

/** Arguments of a call: no parentheses, or one level of them (`hashtext(?)`, `($1)::bigint`). */
const ARGS = String.raw`\((?:[^()]|\([^()]*\))*\)`;
/** An optional alias after the call, and an optional final semicolon. */
const TAIL = String.raw`(?: (?:AS )?(?:[A-Za-z_][\w$]*|"[^"]*"|\x60[^\x60]*\x60))?(?: ?;)?$`;

/**
 * The whole statement (its fingerprint: comments dropped, literals `?`) is one call of a function that waits for
 * a lock another session holds. Only the waiting forms: `pg_try_advisory_lock` and friends answer at once and stay
 * timed. `pg_sleep` / `SLEEP()` stay timed too: they keep a backend busy as a slow query does (and are how a
 * slow query is simulated); mark a deliberate sleep with UNTIMED_MARKER.
 */
const LOCK_WAIT = {
  postgres: new RegExp(`^SELECT (?:pg_catalog\\.)?pg_advisory(?:_xact)?_lock(?:_shared)?${ARGS}${TAIL}`, 'i'),
  mysql: new RegExp(`^(?:SELECT|DO) GET_LOCK${ARGS}${TAIL}`, 'i'),
};

/**
 * Whether a statement is left out of the query figures: its whole statement is a lock wait (decided on its
 * fingerprint `fp`), or its text carries UNTIMED_MARKER. Never throws.
 */
export function isUntimedSql(text: string, fp: string, dialect: 'postgres' | 'mysql'): boolean {
  const first = fp.charCodeAt(0) | 32;
  if ((first === 115 || first === 100) && LOCK_WAIT[dialect].test(fp)) return true; // s(elect) / d(o)
  return text.includes(UNTIMED_MARKER);
}
