// Tokens for pages that act in a role. Real deployments put a token from the province's identity service in
// sessionStorage under "tongban.token" (a login redirect does that); in embedded mode the page asks the
// development endpoint for a demo user's token. Either way the API sees one Authorization header.

import { api } from './api';

export interface TokenRequest {
  role: 'citizen' | 'clerk' | 'hallManager' | 'supervisor' | 'admin' | 'hotlineAgent' | 'approver';
  subject?: string;
  hallCode?: string;
  windowNo?: number;
  regionCode?: string;
  departmentCode?: string;
}

interface Stored { token: string; expiresAt: string }

const REAL_TOKEN_KEY = 'tongban.token';

export async function tokenFor(req: TokenRequest): Promise<string> {
  const real = sessionStorage.getItem(REAL_TOKEN_KEY);
  if (real) return real;
  const key = `tongban.dev.${JSON.stringify(req)}`;
  const cached = sessionStorage.getItem(key);
  if (cached) {
    const s = JSON.parse(cached) as Stored;
    if (new Date(s.expiresAt).getTime() - Date.now() > 5 * 60_000) return s.token;
  }
  const config = await pageConfig();
  if (!config.devTokens) {
    throw new Error('需要登录：请通过统一身份认证登录后再打开本页。');
  }
  const issued = await api.post<Stored>('/api/dev/token', req);
  sessionStorage.setItem(key, JSON.stringify(issued));
  return issued!.token;
}

export interface PageConfig { tileUrl: string | null; tileAttribution: string | null; devTokens: boolean }

let config: Promise<PageConfig> | null = null;
export function pageConfig(): Promise<PageConfig> {
  config ??= api.get<PageConfig>('/api/pages/config').then((c) => c!);
  return config;
}
