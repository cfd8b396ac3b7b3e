import * as path from 'path';
import { loadSchemaModule, packageDir } from '../../src/validate/schema-modules';
test('esm', () => {
  const t0 = Date.now();
  const s = loadSchemaModule(path.join(packageDir('kubernetes-models')!, '_schemas/IoK8sApiAppsV1Deployment.js'));
  const t1 = Date.now();
  const ok = s.validate({apiVersion:'apps/v1',kind:'Deployment',metadata:{name:'x'},spec:{selector:{},template:{spec:{containers:[{name:'a',image:'b', foo: 1, resources: {requests: {cpu: '1x'}}, ports:[{containerPort:'x'}]}]}}}});
  console.log(t1 - t0, ok, JSON.stringify(s.validate.errors));
  for (const k of ['istio/_schemas/NetworkingIstioIoV1VirtualService', 'argo-cd/_schemas/ComGithubArgoprojArgoCdV3PkgApisApplicationV1alpha1Application']) {
    const t2 = Date.now();
    const m = loadSchemaModule(path.join(packageDir('@kubernetes-models/' + k.split('/')[0])!, k.split('/').slice(1).join('/') + '.js'));
    console.log(k, Date.now() - t2, m.validate({ apiVersion: 'x', kind: 'y', spec: { hosts: 3 } }), JSON.stringify(m.validate.errors).slice(0, 300));
  }
});
