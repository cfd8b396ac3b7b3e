import { Finding, finding, fieldPath, show } from './finding';
import { Inventory, isObject, PodTemplate } from './inventory';

/** Volume types the "restricted" Pod Security Standard allows. */
export const ALLOWED_VOLUME_TYPES: readonly string[] = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

/** Sysctls the Pod Security Standards call safe, as of Kubernetes 1.28. */
export const SAFE_SYSCTLS: readonly string[] = [
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range',
];

/** SELinux types the Pod Security Standards allow. */
export const ALLOWED_SELINUX_TYPES: readonly string[] = ['container_t', 'container_init_t', 'container_kvm_t'];

const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';

/** One container of a pod template, with where it sits. */
export interface ContainerRef {
  readonly container: Record<string, any>;
  /** `containers`, `initContainers` or `ephemeralContainers`. */
  readonly list: 'containers' | 'initContainers' | 'ephemeralContainers';
  readonly index: number;
  /** Field path of the container inside its owner object. */
  readonly path: readonly (string | number)[];
  /** `container "app"` (or `init container "x"`), for messages. */
  readonly label: string;
}

/** Every container of a pod template: init, regular and ephemeral. */
export function containersOf(t: PodTemplate): ContainerRef[] {
  const out: ContainerRef[] = [];
  for (const list of ['initContainers', 'containers', 'ephemeralContainers'] as const) {
    const cs = t.spec[list];
    if (!Array.isArray(cs)) continue;
    cs.forEach((c, index) => {
      if (!isObject(c)) return;
      const what = list === 'initContainers' ? 'init container' : list === 'ephemeralContainers' ? 'ephemeral container' : 'container';
      out.push({ container: c, list, index, path: [...t.specPath, list, index], label: `${what} ${JSON.stringify(c.name ?? index)}` });
    });
  }
  return out;
}

/**
 * The Pod Security Standards "restricted" profile (which includes "baseline"), on every pod
 * template and every container, init containers included. See
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/.
 */
export function checkPodSecurity(inventory: Inventory): Finding[] {
  const out: Finding[] = [];
  for (const t of inventory.podTemplates) out.push(...checkTemplate(t));
  return out;
}

function checkTemplate(t: PodTemplate): Finding[] {
  const out: Finding[] = [];
  const ref = t.owner;
  const spec = t.spec;
  const at = (...p: (string | number)[]) => fieldPath(...t.specPath, ...p);
  const podSc: Record<string, any> = isObject(spec.securityContext) ? spec.securityContext : {};
  const containers = containersOf(t);

  for (const field of ['hostNetwork', 'hostPID', 'hostIPC']) {
    if (spec[field] === true) out.push(finding(ref, 'PSS-HOST-NAMESPACES', at(field), `${field}: true shares the node's namespace; remove it`));
  }
  if (podSc.windowsOptions?.hostProcess === true) {
    out.push(finding(ref, 'PSS-HOST-PROCESS', at('securityContext', 'windowsOptions', 'hostProcess'), 'hostProcess: true runs the pod as a Windows host process; remove it'));
  }

  // Volumes
  (Array.isArray(spec.volumes) ? spec.volumes : []).forEach((v: any, i: number) => {
    if (!isObject(v)) return;
    const types = Object.keys(v).filter(k => k !== 'name');
    for (const type of types) {
      if (!ALLOWED_VOLUME_TYPES.includes(type)) {
        out.push(finding(ref, 'PSS-VOLUME-TYPES', at('volumes', i, type), `volume ${JSON.stringify(v.name)} is of type ${type}; allowed: ${ALLOWED_VOLUME_TYPES.join(', ')}`));
      }
    }
  });

  // AppArmor annotations (Kubernetes 1.28 has no appArmorProfile field).
  for (const [key, value] of Object.entries(t.annotations)) {
    if (key.startsWith(APPARMOR_ANNOTATION) && value !== 'runtime/default' && !value.startsWith('localhost/')) {
      out.push(finding(ref, 'PSS-APPARMOR', fieldPath(...t.metadataPath, 'annotations', key), `AppArmor profile ${show(value)} is not allowed; use runtime/default or localhost/<profile>`));
    }
  }
  const appArmor = (sc: any, where: (string | number)[]) => {
    const type = sc?.appArmorProfile?.type;
    if (type !== undefined && type !== 'RuntimeDefault' && type !== 'Localhost') {
      out.push(finding(ref, 'PSS-APPARMOR', fieldPath(...where, 'appArmorProfile', 'type'), `AppArmor profile type ${show(type)} is not allowed; use RuntimeDefault or Localhost`));
    }
  };
  appArmor(podSc, [...t.specPath, 'securityContext']);

  // SELinux
  const seLinux = (sc: any, where: (string | number)[]) => {
    const o = sc?.seLinuxOptions;
    if (!isObject(o)) return;
    if (o.type !== undefined && o.type !== '' && !ALLOWED_SELINUX_TYPES.includes(o.type)) {
      out.push(finding(ref, 'PSS-SELINUX', fieldPath(...where, 'seLinuxOptions', 'type'), `SELinux type ${show(o.type)} is not allowed; allowed: ${ALLOWED_SELINUX_TYPES.join(', ')}`));
    }
    for (const f of ['user', 'role']) {
      if (o[f] !== undefined && o[f] !== '') out.push(finding(ref, 'PSS-SELINUX', fieldPath(...where, 'seLinuxOptions', f), `SELinux ${f} ${show(o[f])} may not be set`));
    }
  };
  seLinux(podSc, [...t.specPath, 'securityContext']);

  // Sysctls
  (Array.isArray(podSc.sysctls) ? podSc.sysctls : []).forEach((s: any, i: number) => {
    if (!SAFE_SYSCTLS.includes(s?.name)) {
      out.push(finding(ref, 'PSS-SYSCTLS', at('securityContext', 'sysctls', i, 'name'), `sysctl ${show(s?.name)} is not in the safe set (${SAFE_SYSCTLS.join(', ')})`));
    }
  });

  // Pod-level seccomp, runAsNonRoot, runAsUser
  const podSeccomp = podSc.seccompProfile?.type;
  if (podSeccomp !== undefined && podSeccomp !== 'RuntimeDefault' && podSeccomp !== 'Localhost') {
    out.push(finding(ref, 'PSS-SECCOMP', at('securityContext', 'seccompProfile', 'type'), `seccomp profile ${show(podSeccomp)} is not allowed; use RuntimeDefault or Localhost`));
  }
  if (podSc.runAsNonRoot === false) {
    out.push(finding(ref, 'PSS-RUN-AS-NON-ROOT', at('securityContext', 'runAsNonRoot'), 'runAsNonRoot: false is not allowed; set it to true'));
  }
  if (podSc.runAsUser === 0) {
    out.push(finding(ref, 'PSS-RUN-AS-USER', at('securityContext', 'runAsUser'), 'runAsUser: 0 runs as root; use a non-zero UID'));
  }

  for (const c of containers) {
    const sc: Record<string, any> = isObject(c.container.securityContext) ? c.container.securityContext : {};
    const scPath = [...c.path, 'securityContext'];
    const cat = (...p: (string | number)[]) => fieldPath(...scPath, ...p);
    if (sc.privileged === true) out.push(finding(ref, 'PSS-PRIVILEGED', cat('privileged'), `${c.label} is privileged; remove privileged: true`));
    if (sc.windowsOptions?.hostProcess === true) out.push(finding(ref, 'PSS-HOST-PROCESS', cat('windowsOptions', 'hostProcess'), `${c.label} runs as a Windows host process; remove hostProcess: true`));
    if (sc.procMount !== undefined && sc.procMount !== 'Default') out.push(finding(ref, 'PSS-PROC-MOUNT', cat('procMount'), `${c.label} has procMount ${show(sc.procMount)}; only Default is allowed`));
    appArmor(sc, scPath);
    seLinux(sc, scPath);

    // Capabilities: drop ALL, add at most NET_BIND_SERVICE.
    const caps = isObject(sc.capabilities) ? sc.capabilities : {};
    const drop: unknown[] = Array.isArray(caps.drop) ? caps.drop : [];
    if (!drop.includes('ALL')) {
      out.push(finding(ref, 'PSS-CAPABILITIES', cat('capabilities', 'drop'), `${c.label} must drop ALL capabilities (found ${show(caps.drop ?? [])})`));
    }
    (Array.isArray(caps.add) ? caps.add : []).forEach((cap: unknown, i: number) => {
      if (cap !== 'NET_BIND_SERVICE') out.push(finding(ref, 'PSS-CAPABILITIES', cat('capabilities', 'add', i), `${c.label} adds capability ${show(cap)}; only NET_BIND_SERVICE may be added`));
    });

    if (sc.allowPrivilegeEscalation !== false) {
      out.push(finding(ref, 'PSS-PRIVILEGE-ESCALATION', cat('allowPrivilegeEscalation'), `${c.label} must set allowPrivilegeEscalation: false (found ${show(sc.allowPrivilegeEscalation)})`));
    }

    const seccomp = sc.seccompProfile?.type;
    if (seccomp !== undefined && seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') {
      out.push(finding(ref, 'PSS-SECCOMP', cat('seccompProfile', 'type'), `${c.label} has seccomp profile ${show(seccomp)}; use RuntimeDefault or Localhost`));
    } else if (seccomp === undefined && podSeccomp === undefined) {
      out.push(finding(ref, 'PSS-SECCOMP', cat('seccompProfile'), `${c.label} has no seccomp profile (neither it nor the pod sets seccompProfile.type: RuntimeDefault or Localhost)`));
    }

    if (sc.runAsNonRoot === false) {
      out.push(finding(ref, 'PSS-RUN-AS-NON-ROOT', cat('runAsNonRoot'), `${c.label} sets runAsNonRoot: false; set it to true`));
    } else if (sc.runAsNonRoot === undefined && podSc.runAsNonRoot !== true) {
      out.push(finding(ref, 'PSS-RUN-AS-NON-ROOT', cat('runAsNonRoot'), `${c.label} may run as root: set runAsNonRoot: true on it or on the pod`));
    }
    if (sc.runAsUser === 0) out.push(finding(ref, 'PSS-RUN-AS-USER', cat('runAsUser'), `${c.label} runs as root (runAsUser: 0); use a non-zero UID`));

    (Array.isArray(c.container.ports) ? c.container.ports : []).forEach((p: any, i: number) => {
      if (p?.hostPort !== undefined && p.hostPort !== 0) {
        out.push(finding(ref, 'PSS-HOST-PORT', fieldPath(...c.path, 'ports', i, 'hostPort'), `${c.label} binds hostPort ${show(p.hostPort)}; remove it`));
      }
    });
  }
  return out;
}
