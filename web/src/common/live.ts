// The live hub connection with a visible state (连接中 / 已连接 / 重新连接中 / 已断开) and resync: every
// (re)connect runs the page's sync callbacks, which re-join their groups and redraw from the answers.

import { HubConnection, HubConnectionBuilder, HubConnectionState, LogLevel } from '@microsoft/signalr';

export type LiveState = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

const LABELS: Record<LiveState, string> = {
  connecting: '连接中…',
  connected: '实时已连接',
  reconnecting: '重新连接中…',
  disconnected: '已断开，稍后重试',
};

/** 0.5, 1, 2, 4, 8, then every 10 s, each ±20 % so that pages refused together do not come back together. */
function backoff(previousAttempts: number): number {
  return Math.min(10_000, 500 * 2 ** previousAttempts) * (0.8 + 0.4 * Math.random());
}

export class Live {
  readonly connection: HubConnection;
  private readonly syncs: Array<() => Promise<void>> = [];
  private stopped = false;
  private startFailures = 0;

  constructor(private readonly indicator: HTMLElement, accessToken?: () => Promise<string>) {
    this.connection = new HubConnectionBuilder()
      .withUrl('/hubs/live', accessToken ? { accessTokenFactory: accessToken } : {})
      // Never give up: back off to one attempt every 10 s.
      .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (ctx) => backoff(ctx.previousRetryCount) })
      .configureLogging(LogLevel.None)
      .build();
    this.connection.onreconnecting(() => this.show('reconnecting'));
    this.connection.onreconnected(() => void this.synced());
    this.connection.onclose(() => {
      if (!this.stopped) {
        this.show('disconnected');
        this.retryStart();
      }
    });
    this.show('connecting');
  }

  on(method: string, handler: (...args: any[]) => void): this {
    this.connection.on(method, handler);
    return this;
  }

  /** Runs after every connect and reconnect (watch groups are per connection, so they must be joined again). */
  onSync(fn: () => Promise<void>): this {
    this.syncs.push(fn);
    return this;
  }

  invoke<T>(method: string, ...args: unknown[]): Promise<T> {
    return this.connection.invoke<T>(method, ...args);
  }

  get connected(): boolean {
    return this.connection.state === HubConnectionState.Connected;
  }

  /**
   * Connects, and keeps trying until it does: the automatic reconnect only covers drops after a successful start, and
   * a first start can fail (the server answers 503 until it is ready for live updates, or is not reachable yet).
   */
  async start(): Promise<void> {
    if (this.stopped || this.connection.state !== HubConnectionState.Disconnected) return;
    this.show('connecting');
    try {
      await this.connection.start();
    } catch {
      this.show('disconnected');
      this.retryStart();
      return;
    }
    this.startFailures = 0;
    await this.synced();
  }

  private retryStart(): void {
    setTimeout(() => void this.start(), backoff(this.startFailures++));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.connection.stop();
  }

  private async synced(): Promise<void> {
    try {
      for (const s of this.syncs) await s();
      this.show('connected');
    } catch (e) {
      console.warn('resync failed', e);
      this.show('reconnecting');
      setTimeout(() => void this.synced(), 2000);
    }
  }

  private show(state: LiveState): void {
    this.indicator.dataset.state = state;
    this.indicator.textContent = LABELS[state];
    document.body.dataset.live = state;
  }
}
