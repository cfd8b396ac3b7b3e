/**
 * The Istio object specs the mesh constructs render, typed from the Istio CRDs as
 * `@kubernetes-models/istio` publishes them (the same package `validate` checks the rendered
 * objects against). That package declares each spec as one nested type: these aliases name
 * the parts the constructs build. Internal: the public API declares its own, smaller types.
 */
import type { IGateway } from '@kubernetes-models/istio/networking.istio.io/v1/Gateway';
import type { IVirtualService } from '@kubernetes-models/istio/networking.istio.io/v1/VirtualService';
import type { IDestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1/DestinationRule';
import type { IAuthorizationPolicy } from '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy';
import type { IPeerAuthentication } from '@kubernetes-models/istio/security.istio.io/v1/PeerAuthentication';

/** `spec` of a networking.istio.io/v1 Gateway. @internal */
export type GatewaySpec = NonNullable<IGateway['spec']>;
/** One entry of a Gateway's `servers`. @internal */
export type GatewayServer = NonNullable<GatewaySpec['servers']>[number];

/** `spec` of a networking.istio.io/v1 VirtualService. @internal */
export type VirtualServiceSpec = NonNullable<IVirtualService['spec']>;
/** One entry of a VirtualService's `http` routes. @internal */
export type HttpRoute = NonNullable<VirtualServiceSpec['http']>[number];
/** One entry of an HTTP route's `match`. @internal */
export type HttpMatchRequest = NonNullable<HttpRoute['match']>[number];
/** One weighted destination of an HTTP route's `route`. @internal */
export type HttpRouteDestination = NonNullable<HttpRoute['route']>[number];

/** `spec` of a networking.istio.io/v1 DestinationRule. @internal */
export type DestinationRuleSpec = NonNullable<IDestinationRule['spec']>;

/** `spec` of a security.istio.io/v1 AuthorizationPolicy. @internal */
export type AuthorizationPolicySpec = NonNullable<IAuthorizationPolicy['spec']>;
/** One entry of an AuthorizationPolicy's `rules`. @internal */
export type AuthorizationPolicyRule = NonNullable<AuthorizationPolicySpec['rules']>[number];

/** `spec` of a security.istio.io/v1 PeerAuthentication. @internal */
export type PeerAuthenticationSpec = NonNullable<IPeerAuthentication['spec']>;
