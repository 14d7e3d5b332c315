// The statement sysvitals's own database probes send. The query instrumentations recognise it and do not
// record it: the probe's check is not an application query (outside review 9b, F5).

/** What pgProbe and mysqlProbe send; instrumentPg and instrumentMysql leave it out of the query figures. */
export const PROBE_SQL = 'SELECT 1 /* sysvitals probe */';

/** What redisProbe sends with its PING (`PING "sysvitals probe"`, answered with it); instrumentRedis leaves it out. */
export const PROBE_PING = 'sysvitals probe';
