import { ConfigError } from '../core/errors';

/**
 * Istio's status port: the Istio agent in every injected pod serves the merged metrics (the
 * app's, Envoy's and its own) on it, in plain text. The sidecar does not intercept it, so
 * neither PeerAuthentication nor AuthorizationPolicy applies to it.
 */
export const ISTIO_MERGED_METRICS_PORT = 15020;

/** Path of the merged metrics on {@link ISTIO_MERGED_METRICS_PORT}. */
export const ISTIO_MERGED_METRICS_PATH = '/stats/prometheus';

/** Where Prometheus mounts the Istio certificates by default (Istio's documented setup). */
export const DEFAULT_ISTIO_CERT_DIR = '/etc/prom-certs';

/** Props of {@link ScrapeMechanism.istioCertificates}. */
export interface IstioCertificatesProps {
  /**
   * Folder of the Prometheus container where its Istio sidecar writes the workload
   * certificate (`OUTPUT_CERTS`): `root-cert.pem`, `cert-chain.pem` and `key.pem`.
   * @default '/etc/prom-certs'
   */
  readonly certDir?: string;
}

/** The TLS settings of a scrape: files in the Prometheus container (Prometheus Operator `tlsConfig`). */
export interface ScrapeTlsConfig {
  /** CA certificate that verifies the server. */
  readonly caFile: string;
  /** Client certificate Prometheus presents. */
  readonly certFile: string;
  /** Its private key. */
  readonly keyFile: string;
  /** Skip the server name check (Istio certificates name a SPIFFE identity, no host). */
  readonly insecureSkipVerify: boolean;
}

/** How the scrape is made, as the ServiceMonitor renders it. */
export interface ScrapeEndpoint {
  /** `http` or `https`. */
  readonly scheme: 'http' | 'https';
  /** The container port Prometheus connects to; undefined: the app's metrics port. */
  readonly port?: number;
  /** The path it asks for; undefined: the app's metrics path. */
  readonly path?: string;
  /** Prometheus Operator `tlsConfig` (files in the Prometheus container). */
  readonly tlsConfig?: ScrapeTlsConfig;
}

/**
 * How Prometheus reaches a workload's metrics through the namespace's STRICT mutual TLS.
 *
 * - {@link ScrapeMechanism.istioMergedMetrics} (the default): Istio's metrics merging. The
 *   Istio agent of each pod reads the app's metrics (from the pod's `prometheus.io/port` and
 *   `prometheus.io/path` annotations, over localhost) and serves them, with Envoy's, on port
 *   15020 `/stats/prometheus`. That port is not intercepted by the sidecar: Prometheus
 *   scrapes it in plain text, with no cluster setup (merging is on by default,
 *   `meshConfig.enablePrometheusMerge`), while the app's own port stays STRICT and
 *   default-deny. The metrics travel unencrypted inside the cluster: limit who reaches the
 *   port with a NetworkPolicy (WebService adds the rule).
 * - {@link ScrapeMechanism.istioCertificates}: Prometheus runs with an Istio sidecar that only
 *   writes its workload certificate to a shared volume (Istio's "TLS settings" setup) and
 *   scrapes the app's port over mutual TLS with it. Encrypted and authenticated end to end,
 *   but it needs that Prometheus setup, and under a default-deny an AuthorizationPolicy
 *   that allows Prometheus's principal.
 * - {@link ScrapeMechanism.plaintext}: plain HTTP to the app's metrics port: only for pods
 *   without a sidecar, or a separate metrics port given a port-level PERMISSIVE exception.
 *   `validate` flags it where STRICT mTLS applies.
 */
export class ScrapeMechanism {
  /** Istio metrics merging: port 15020 `/stats/prometheus` of the Istio agent, in plain text (the default). */
  public static istioMergedMetrics(): ScrapeMechanism {
    return new ScrapeMechanism('istio-merged-metrics', () => ({ scheme: 'http', port: ISTIO_MERGED_METRICS_PORT, path: ISTIO_MERGED_METRICS_PATH }));
  }

  /** Mutual TLS to the app's metrics port with the Istio certificates of Prometheus's own sidecar. */
  public static istioCertificates(props: IstioCertificatesProps = {}): ScrapeMechanism {
    const dir = props.certDir ?? DEFAULT_ISTIO_CERT_DIR;
    return new ScrapeMechanism('istio-certificates', path => {
      if (typeof dir !== 'string' || !dir.startsWith('/')) {
        throw new ConfigError(path, 'mechanism.certDir', dir, 'must be an absolute path in the Prometheus container');
      }
      const d = dir.replace(/\/+$/, '');
      return {
        scheme: 'https',
        tlsConfig: {
          caFile: `${d}/root-cert.pem`,
          certFile: `${d}/cert-chain.pem`,
          keyFile: `${d}/key.pem`,
          // Istio workload certificates name a SPIFFE identity, no host name Prometheus could
          // verify; the client certificate still authenticates Prometheus to the sidecar.
          insecureSkipVerify: true,
        },
      };
    });
  }

  /** Plain HTTP to the app's metrics port (pods outside the mesh, or a port-level PERMISSIVE exception). */
  public static plaintext(): ScrapeMechanism {
    return new ScrapeMechanism('plaintext', () => ({ scheme: 'http' }));
  }

  private constructor(
    /** Name of the mechanism, for messages. */
    public readonly kind: 'istio-merged-metrics' | 'istio-certificates' | 'plaintext',
    private readonly producer: (path: string) => ScrapeEndpoint,
  ) {}

  /** Whether it scrapes the Istio agent rather than the app's own port. */
  public get scrapesIstioAgent(): boolean {
    return this.kind === 'istio-merged-metrics';
  }

  /** The scrape as rendered (checked; `path` names the construct in errors). */
  public toEndpoint(path: string): ScrapeEndpoint {
    const e = this.producer(path);
    return { ...e, ...(e.tlsConfig ? { tlsConfig: { ...e.tlsConfig } } : {}) };
  }
}
