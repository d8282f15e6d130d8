// The report API (GET /api/reports/{scope}/{code}): types, China dates and the number formats of the report views.

import { api } from './api';

/** One period of a report (ReportRow in Grains/History/ReportFigures.cs). */
export interface ReportRow {
  period: string; from: string; to: string;
  tickets: number; served: number; walkUps: number; noShow: number; cancelled: number; transferred: number; parked: number;
  waitMeanMinutes: number | null; waitP50Minutes: number | null; waitP90Minutes: number | null; serviceMeanMinutes: number | null;
  staffMinutes: number; pausedMinutes: number; parkedMinutes: number;
  ratings: number; goodRatings: number; badRatings: number; goodRate: number | null;
  casesReceived: number; casesFinished: number; casesOnTime: number; oneVisitFinished: number; oneVisitRate: number | null;
}

export interface Report {
  scope: string; code: string; from: string; to: string; granularity: string; definition: string; goodRateDefinition: string;
  rows: ReportRow[]; total: ReportRow; casesTruncated: boolean;
}

/** Today's date in China (yyyy-MM-dd): reports count China days whatever the browser's zone. */
export function chinaToday(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

/** The date <paramref name="days"/> days before a yyyy-MM-dd date. */
export function daysBefore(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - days);
  return d.toISOString().slice(0, 10);
}

/** The last day of a yyyy-MM month. */
export function monthEnd(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
}

export function readReport(scope: string, code: string, from: string, to: string, granularity: 'day' | 'week' | 'month', token: string): Promise<Report | null> {
  const q = new URLSearchParams({ from, to, granularity, format: 'json' });
  return api.get<Report>(`/api/reports/${scope}/${encodeURIComponent(code)}?${q}`, token);
}

/** A period label as people read it: 12-06 for a day of the range, 2026-12 for a month. */
export function shortDay(date: string): string {
  return date.slice(5);
}

export function hours(minutes: number): number {
  return Math.round((minutes / 60) * 10) / 10;
}

export function percent(rate: number | null): number | null {
  return rate === null ? null : Math.round(rate * 1000) / 10;
}

export function minutesText(m: number | null): string {
  return m === null ? '—' : `${Math.round(m * 10) / 10} 分钟`;
}

/**
 * The role the page acts in: from the real token's claims when one is signed in (sessionStorage tongban.token),
 * otherwise null (embedded demo mode, where the page asks for the role it needs).
 */
export function signedInClaims(): { role: string[]; hallCode: string | null } | null {
  const token = sessionStorage.getItem('tongban.token');
  if (!token) return null;
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), '=')), (c) => c.charCodeAt(0))));
    const role = json.role;
    return { role: Array.isArray(role) ? role : role ? [String(role)] : [], hallCode: json.hallCode ?? null };
  } catch {
    return { role: [], hallCode: null };
  }
}
