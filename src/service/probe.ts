import { ConfigError } from '../core/errors';
import { checkInteger } from '../core/names';

/** Timing of a probe. */
export interface ProbeOptions {
  /** @default - depends on the probe's role (startup 5, liveness 10, readiness 5) */
  readonly periodSeconds?: number;
  /** @default 2 */
  readonly timeoutSeconds?: number;
  /** @default - depends on the role (startup 30, liveness 3, readiness 3) */
  readonly failureThreshold?: number;
  /** @default 0 */
  readonly initialDelaySeconds?: number;
}

/** Which probe of a container. */
export enum ProbeRole {
  STARTUP = 'startupProbe',
  LIVENESS = 'livenessProbe',
  READINESS = 'readinessProbe',
}

const ROLE_DEFAULTS: Record<ProbeRole, { periodSeconds: number; failureThreshold: number }> = {
  // up to 150 s to start; then liveness restarts a hung process after 30 s,
  // readiness takes a pod out of the Service after 15 s.
  [ProbeRole.STARTUP]: { periodSeconds: 5, failureThreshold: 30 },
  [ProbeRole.LIVENESS]: { periodSeconds: 10, failureThreshold: 3 },
  [ProbeRole.READINESS]: { periodSeconds: 5, failureThreshold: 3 },
};

type Handler = { httpGet: { path: string; port: string | number } } | { tcpSocket: { port: string | number } } | { exec: { command: string[] } };

/**
 * A container probe: what to call (HTTP GET, TCP connect, command) and its timing.
 */
export class Probe {
  /** HTTP GET `path` on the container's port (by name, default `http`). */
  public static fromHttpGet(path: string, options: ProbeOptions & { port?: string | number } = {}): Probe {
    if (typeof path !== 'string' || !path.startsWith('/')) {
      throw new ConfigError('Probe', 'fromHttpGet.path', path, 'must be an absolute HTTP path such as "/healthz"');
    }
    return new Probe({ httpGet: { path, port: options.port ?? 'http' } }, options);
  }

  /** TCP connect to the container's port (by name, default the service's port name). */
  public static fromTcpSocket(options: ProbeOptions & { port?: string | number } = {}): Probe {
    return new Probe({ tcpSocket: { port: options.port ?? 'http' } }, options);
  }

  /** Run a command in the container; exit 0 is healthy. */
  public static fromCommand(command: string[], options: ProbeOptions = {}): Probe {
    if (!Array.isArray(command) || command.length === 0) {
      throw new ConfigError('Probe', 'fromCommand.command', command, 'must be a non-empty list of arguments');
    }
    return new Probe({ exec: { command: [...command] } }, options);
  }

  private constructor(private readonly handler: Handler, private readonly options: ProbeOptions) {}

  /** The probe with its port resolved (a named `http` default becomes `portName`). */
  public withDefaultPort(portName: string): Probe {
    const h = this.handler as any;
    if (h.httpGet && h.httpGet.port === 'http') return new Probe({ httpGet: { ...h.httpGet, port: portName } }, this.options);
    if (h.tcpSocket && h.tcpSocket.port === 'http') return new Probe({ tcpSocket: { port: portName } }, this.options);
    return this;
  }

  /** The Kubernetes probe for a role, checked. */
  public toJson(path: string, field: string, role: ProbeRole): Record<string, any> {
    const d = ROLE_DEFAULTS[role];
    const o = this.options;
    return {
      ...copyHandler(this.handler),
      initialDelaySeconds: o.initialDelaySeconds !== undefined ? checkInteger(path, `${field}.initialDelaySeconds`, o.initialDelaySeconds, 0) : undefined,
      periodSeconds: checkInteger(path, `${field}.periodSeconds`, o.periodSeconds ?? d.periodSeconds, 1),
      timeoutSeconds: checkInteger(path, `${field}.timeoutSeconds`, o.timeoutSeconds ?? 2, 1),
      failureThreshold: checkInteger(path, `${field}.failureThreshold`, o.failureThreshold ?? d.failureThreshold, 1),
      successThreshold: 1,
    };
  }
}

/** A deep copy of a probe handler (the JSON the Kubernetes API takes). */
function copyHandler(h: Handler): Handler {
  if ('httpGet' in h) return { httpGet: { ...h.httpGet } };
  if ('tcpSocket' in h) return { tcpSocket: { ...h.tcpSocket } };
  return { exec: { command: [...h.exec.command] } };
}
