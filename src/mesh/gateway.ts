import { Construct } from 'constructs';
import { checkHost } from '../core/host';
import { ConfigError } from '../core/errors';
import { ManifestObject } from '../core/manifest-object';
import { checkDnsLabel, checkDnsSubdomain } from '../core/names';
import { placementOf } from '../model/placement';
import type { GatewayServer, GatewaySpec } from './istio-types';

/** TLS termination at the gateway. */
export interface GatewayTlsProps {
  /** Name of the Secret (in the gateway's namespace) holding the certificate. */
  readonly credentialName: string;
  /**
   * Answer plain HTTP on port 80 with a redirect to HTTPS.
   * @default true
   */
  readonly redirectHttp?: boolean;
}

/**
 * Props of a Gateway.
 */
export interface GatewayProps {
  /** Gateway name (DNS-1123 label). */
  readonly name: string;
  /**
   * Hosts the gateway accepts.
   * @default - the environment's hosts (`['*']` outside an AppChart)
   */
  readonly hosts?: string[];
  /**
   * Labels selecting the ingress gateway pods.
   * @default - the environment's gateway selector (`{ istio: 'ingressgateway' }` outside an AppChart)
   */
  readonly selector?: Record<string, string>;
  /**
   * Terminate TLS on 443 (HTTPS); without it the gateway serves HTTP on 80.
   * @default - HTTP only
   */
  readonly tls?: GatewayTlsProps;
}

/**
 * An Istio ingress Gateway (networking.istio.io/v1).
 */
export class Gateway extends Construct {
  /** Gateway name. */
  public readonly name: string;
  private readonly _hosts: string[];

  constructor(scope: Construct, id: string, props: GatewayProps) {
    super(scope, id);
    const path = this.node.path;
    const env = placementOf(this).environment;
    this.name = checkDnsLabel(path, 'name', props.name);
    this._hosts = [...(props.hosts ?? env.hosts)];
    if (this._hosts.length === 0) throw new ConfigError(path, 'hosts', props.hosts, 'must list at least one host');
    this._hosts.forEach((h, i) => checkHost(path, `hosts[${i}]`, h));
    const servers: GatewayServer[] = [];
    if (props.tls) {
      checkDnsSubdomain(path, 'tls.credentialName', props.tls.credentialName);
      servers.push({
        port: { number: 443, name: 'https', protocol: 'HTTPS' },
        hosts: [...this._hosts],
        tls: { mode: 'SIMPLE', credentialName: props.tls.credentialName, minProtocolVersion: 'TLSV1_2' },
      });
      if (props.tls.redirectHttp ?? true) {
        servers.push({ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: [...this._hosts], tls: { httpsRedirect: true } });
      }
    } else {
      servers.push({ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: [...this._hosts] });
    }
    new ManifestObject(this, 'Resource', {
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: { name: this.name },
      spec: { selector: { ...(props.selector ?? env.gatewaySelector) }, servers } satisfies GatewaySpec,
    });
  }

  /** Hosts the gateway accepts (a copy). */
  public get hosts(): string[] {
    return [...this._hosts];
  }
}
