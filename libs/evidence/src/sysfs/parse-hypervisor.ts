/** What `/sys/hypervisor/*` says (Linux `drivers/xen/sys-hypervisor.c`; read the same way as Xen's `xen-detect`). */
export interface HypervisorInfo {
  /** `type`: `xen` when running on Xen. */
  type?: string;
  /** `guest_type`: `PV`, `PVH` or `HVM` (Linux 4.15+). */
  guestType?: string;
  /** `version/major` and `version/minor` joined, e.g. `4.17`; `version/extra` is appended as printed (`.3-pre`). */
  version?: string;
  major?: number;
  minor?: number;
  extra?: string;
  /** `properties/capabilities`: the hypervisor's `xen_caps` tokens, e.g. `xen-3.0-x86_64 hvm-3.0-x86_64`. */
  capabilities?: string[];
  /** `type` is `xen`. */
  isXen: boolean;
}

const clean = (v: string | undefined): string | undefined => {
  const t = typeof v === 'string' ? v.trim() : '';
  return t === '' ? undefined : t;
};

/**
 * Read captured `/sys/hypervisor` files keyed by their path below it (`type`, `guest_type`, `version/major`,
 * `version/minor`, `version/extra`, `properties/capabilities`), optionally prefixed with `hypervisor/`.
 */
export function parseHypervisor(files: Record<string, string>): HypervisorInfo {
  const get = (name: string) => clean(files?.[name] ?? files?.[`hypervisor/${name}`]);
  const info: HypervisorInfo = { isXen: false };
  const type = get('type');
  if (type) info.type = type;
  info.isXen = type === 'xen';
  const guestType = get('guest_type');
  if (guestType) info.guestType = guestType;
  const major = get('version/major');
  const minor = get('version/minor');
  const extra = get('version/extra');
  if (major && /^\d+$/.test(major)) info.major = parseInt(major, 10);
  if (minor && /^\d+$/.test(minor)) info.minor = parseInt(minor, 10);
  if (extra) info.extra = extra;
  if (info.major !== undefined && info.minor !== undefined) info.version = `${info.major}.${info.minor}${extra ?? ''}`;
  const caps = get('properties/capabilities');
  if (caps) info.capabilities = caps.split(/\s+/);
  return info;
}

/**
 * `/proc/xen/capabilities` (Linux `drivers/xen/xenfs/super.c`): contains `control_d` in the control domain
 * (dom0), and is empty in other domains.
 */
export function parseXenCapabilities(text: string): { controlDomain: boolean } {
  const tokens = (typeof text === 'string' ? text : '').split(/[\s,]+/);
  return { controlDomain: tokens.includes('control_d') };
}
