// Wire shapes of the TongBan API (camelCase JSON), only the fields the pages use.

export interface LatLon { lat: number; lon: number }

export interface MapPoint {
  code: string; name: string; type: string; level: string; regionCode: string; location: LatLon;
  open: boolean; suspended: boolean; closed: boolean; always: boolean;
  waiting: number | null; predictedWaitMinutes: number | null; goodRate: number | null; openWindows: number | null;
  items: string[]; at: string | null;
  /** Tickets wait in the quoted category and no open window serves it: predictedWaitMinutes is null (无窗口办理). */
  noWindow?: boolean; unservedCategories?: string[];
}

export interface MapPointDetail {
  point: MapPoint; address: string; phone: string; categories: { code: string; name: string; waiting: number | null; predictedWaitMinutes: number | null; noWindow?: boolean }[];
  windowCount: number; appointmentsNextHour: number | null; regionName: string | null;
  openingHours?: { always: boolean; workdays: string[]; saturday: string[]; closedOnPublicHolidays: boolean };
}

export interface NearestResult {
  hallCode: string; name: string; distanceMeters: number; travelMinutes: number; predictedWaitMinutes: number | null;
  totalMinutes: number; waiting: number | null; open: boolean; reason: string; rank: number; type: string; location: LatLon;
  handlesItem: boolean; closedReason: string | null;
  /** Closed at arrival: when it opens (+08:00), 「周一 09:00 开门」, and the minutes until then. */
  opensAt?: string | null; opensAtText?: string | null; waitUntilOpenMinutes?: number;
}

export interface ServiceItem { code: string; name: string; departmentName: string }

export interface CategorySnapshot {
  code: string; name: string; waiting: number; predictedWaitMinutes: number | null; longestWaitMinutes: number | null;
  servingWindows: number; meanAbsoluteErrorMinutes: number | null; served: number; noShows: number;
  noWindow?: boolean; errorSampleCount?: number;
}

export interface WindowSnapshot {
  windowNo: number; state: string; servingTicket: string | null; clerk: string | null; servedToday: number; categories: string[] | null;
  pauseReason?: string | null; pausedMinutesToday?: number;
}

/** 暂停原因 wire values (POST .../pause {reason}). */
export const PAUSE_REASONS: Record<string, string> = { break: '休息', training: '培训', systemFault: '系统故障', other: '其他' };

export interface HallSnapshot {
  hallCode: string; at: string; categories: CategorySnapshot[]; windows: WindowSnapshot[]; servedToday: number; appointmentsToday: number;
  goodRate: number | null; suspended: boolean; appointmentsNextHour: number; noShowsToday: number; averageWaitMinutes: number | null;
  p90WaitMinutes: number | null; waitingTotal: number; openWindows: number;
}

export interface TicketCalled { hallCode: string; ticketNo: string; windowNo: number; at: string }

export interface HallProfile {
  code: string; name: string; type: string; regionName: string | null; address: string;
  categories: { code: string; name: string }[]; windows: { windowNo: number; name: string; categories: string[] }[];
  status: { suspended: boolean; reason: string | null };
}

export interface HallSummary { code: string; name: string; type: string; regionCode: string }

export interface RegionAggregate { code: string; name: string; level: string; points: number; openPoints: number; waiting: number; suspendedPoints: number; goodRate: number | null; ratedPoints: number }

export const TYPE_NAMES: Record<string, string> = {
  hall: '政务服务中心', subHall: '部门分厅', station: '便民服务站', selfService: '24小时自助', partner: '邮政合作网点',
};

export const WINDOW_STATES: Record<string, string> = { open: '开放', paused: '暂停', closed: '关闭' };

export const TICKET_STATES: Record<string, string> = {
  waiting: '等候中', called: '已叫号', serving: '办理中', done: '已办结', noShow: '过号', cancelled: '已取消', transferred: '已转办',
};

/** Colour of a predicted wait (minutes): green ≤ 10, amber ≤ 30, orange ≤ 60, red beyond; grey unknown. */
export function waitColor(minutes: number | null | undefined, open = true): string {
  if (!open) return '#6e7781';
  if (minutes === null || minutes === undefined) return '#8c959f';
  if (minutes <= 10) return '#1a7f37';
  if (minutes <= 30) return '#bf8700';
  if (minutes <= 60) return '#d1590b';
  return '#cf222e';
}
