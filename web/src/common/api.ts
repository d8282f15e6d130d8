// Fetch helpers for the TongBan API. Authentication is one header: pass a token and it goes as Bearer.

export class ApiError extends Error {
  constructor(public readonly status: number, public readonly title: string, public readonly detail: string | undefined,
    /** The ProblemDetails body (extensions such as code, detailZh). */
    public readonly body: Record<string, unknown> | null = null) {
    super(detail ? `${title}: ${detail}` : title);
  }
}

async function send<T>(method: string, path: string, body?: unknown, token?: string | null, headers?: Record<string, string>): Promise<T | null> {
  const h: Record<string, string> = { Accept: 'application/json', ...headers };
  if (body !== undefined) h['Content-Type'] = 'application/json';
  if (token) h.Authorization = `Bearer ${token}`;
  const res = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 204) return null;
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const title = (data && (data.title as string)) || `HTTP ${res.status}`;
    let detail: string | undefined = data?.detail;
    if (!detail && data?.errors) detail = Object.values(data.errors as Record<string, string[]>).flat().join(' ');
    throw new ApiError(res.status, title, detail, data && typeof data === 'object' ? data as Record<string, unknown> : null);
  }
  return data as T;
}

export const api = {
  get: <T>(path: string, token?: string | null) => send<T>('GET', path, undefined, token),
  post: <T>(path: string, body: unknown, token?: string | null, headers?: Record<string, string>) => send<T>('POST', path, body, token, headers),
  put: <T>(path: string, body: unknown, token?: string | null) => send<T>('PUT', path, body, token),
};

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.detail ? `${e.title}：${e.detail}` : e.title;
  return e instanceof Error ? e.message : String(e);
}
