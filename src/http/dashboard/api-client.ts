// The dashboard's admin API client: the API next to the page, the stored token, failures sorted by kind.

/** The admin base: the page lives at `<base>/dashboard/`. */
export const API_BASE = new URL('../', window.location.href);

export const TOKEN_KEY = 'sysvitals.adminToken';

export type FailureKind = 'unreachable' | 'unauthorized' | 'refused' | 'rate_limited' | 'server';

export class ApiError extends Error {
  constructor(
    readonly kind: FailureKind,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function storedToken(): string | null {
  try {
    return window.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export async function api<T>(path: string): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = storedToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(new URL(path, API_BASE), { headers, cache: 'no-store', credentials: 'same-origin' });
  } catch {
    throw new ApiError('unreachable', 0, 'the server did not answer');
  }
  let body: { success?: boolean; data?: unknown; error?: { code?: string; message?: string } } | undefined;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  if (body?.success === true) return body.data as T;
  const message = body?.error?.message ?? `HTTP ${res.status}`;
  if (res.status === 401) throw new ApiError('unauthorized', 401, message);
  if (res.status === 403) throw new ApiError('refused', 403, message);
  if (res.status === 429) throw new ApiError('rate_limited', 429, message);
  throw new ApiError('server', res.status, message);
}

/**
 * A write (the only ones are on silences/): JSON body and bearer token, so that the server's
 * same-origin and content-type checks pass. Resolves with `data`, throws ApiError otherwise.
 */
export async function apiWrite<T>(path: string, method: 'POST' | 'DELETE', body: unknown = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', 'Content-Type': 'application/json' };
  const token = storedToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(new URL(path, API_BASE), {
      method,
      headers,
      body: JSON.stringify(body),
      cache: 'no-store',
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError('unreachable', 0, 'the server did not answer');
  }
  const answer = (await res.json().catch(() => undefined)) as
    | { success?: boolean; data?: unknown; error?: { message?: string } }
    | undefined;
  if (answer?.success === true) return answer.data as T;
  throw new ApiError(
    res.status === 401 ? 'unauthorized' : 'server',
    res.status,
    answer?.error?.message ?? `HTTP ${res.status}`,
  );
}
