import { ApiObject, JsonPatch } from 'cdk8s';
import { AppChart } from '../model/app-chart';
import { Environment } from '../model/environment';
import { GitOpsApp } from '../app/gitops-app';
import { AuthorizationPolicy } from '../mesh/authorization-policy';
import { MtlsMode, PeerAuthentication } from '../mesh/peer-authentication';
import { Waivers } from '../validate/waiver-scope';
import { Adoption, NamespaceSettings, NO_NAMESPACE, programObject } from './model';

/** Rule ids to waive per object id, and the reason written with them. */
export interface AdoptionWaivers {
  readonly rules: ReadonlyMap<string, readonly string[]>;
  readonly reason: string;
}

/**
 * The adopted program built in this process from the adoption itself (what the written program
 * builds, without writing or compiling it): to find the rules each adopted object breaks.
 */
export function buildAdoptedApp(adoption: Adoption, waivers?: AdoptionWaivers): GitOpsApp {
  const app = new GitOpsApp();
  for (const env of adoption.environments) {
    app.addEnvironment(new Environment({ name: env.name }), environment => {
      const ns = namespaceSettings(adoption, env.name);
      const chart = new AppChart(app, `${adoption.app}-${env.name}`, {
        environment, app: adoption.app, namespace: env.namespace, istioInjection: ns.istioInjection, enforcePodSecurity: ns.enforcePodSecurity,
      });
      const namespace = chart.node.findChild('Namespace') as ApiObject;
      for (const [k, v] of Object.entries(ns.labels)) namespace.metadata.addLabel(k, v);
      for (const [k, v] of Object.entries(ns.annotations)) namespace.metadata.addAnnotation(k, v);
      for (const o of adoption.objects) {
        const object = programObject(o, env);
        if (object === undefined) continue;
        switch (o.as.construct) {
          case 'AppChart.namespace':
            break;
          case 'PeerAuthentication':
            new PeerAuthentication(chart, o.id, { name: o.as.name, mode: o.as.mode === 'STRICT' ? MtlsMode.STRICT : MtlsMode.PERMISSIVE });
            break;
          case 'AuthorizationPolicy.denyAll':
            AuthorizationPolicy.denyAll(chart, o.id, o.as.name);
            break;
          case 'ApiObject': {
            const raw = new ApiObject(chart, o.id, object as any);
            if (!o.namespaced) raw.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
            const rules = waivers?.rules.get(o.id);
            if (rules && rules.length > 0) Waivers.of(raw).allow(rules, waivers!.reason);
            break;
          }
        }
      }
    });
  }
  return app;
}

/** The app's Namespace settings in `env`: from its Namespace object, else {@link NO_NAMESPACE}. */
export function namespaceSettings(adoption: Adoption, env: string): NamespaceSettings {
  for (const o of adoption.objects) {
    if (o.as.construct === 'AppChart.namespace') return o.as.perEnvironment.get(env) ?? NO_NAMESPACE;
  }
  return NO_NAMESPACE;
}
