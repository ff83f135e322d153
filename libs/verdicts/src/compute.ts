import type { Verdicts } from '../../contracts/src/verdicts';
import { acpiDmarVerdict, acpiIvrsVerdict } from './acpi';
import type { HostFacts } from './facts';
import { hapVerdict } from './hap';
import { hvmVerdict } from './hvm';
import { interruptRemappingVerdict } from './intremap';
import { iommuVerdict } from './iommu';
import { passthroughVerdict } from './passthrough';
import { sriovVerdict } from './sriov';

const clamp = <V extends { reasons: string[]; evidence: unknown[] }>(v: V): V => ({
  ...v,
  reasons: v.reasons.slice(0, 64).map((r) => r.slice(0, 4096)),
  evidence: v.evidence.slice(0, 256),
});

/**
 * All verdicts for one host (DESIGN.md "Snapshot and verdicts"), from facts alone: pure and total. The
 * result always satisfies `VerdictsSchema` (reasons and evidence are clamped to the wire-format bounds).
 */
export function computeVerdicts(facts: HostFacts): Verdicts {
  const v: Verdicts = {
    hvm: hvmVerdict(facts),
    hap: hapVerdict(facts),
    iommu: iommuVerdict(facts),
    interruptRemapping: interruptRemappingVerdict(facts),
    passthrough: passthroughVerdict(facts),
    sriov: sriovVerdict(facts),
    acpiDmar: acpiDmarVerdict(facts),
    acpiIvrs: acpiIvrsVerdict(facts),
  };
  return {
    hvm: clamp(v.hvm),
    hap: clamp(v.hap),
    iommu: clamp(v.iommu),
    interruptRemapping: clamp(v.interruptRemapping),
    passthrough: clamp(v.passthrough),
    sriov: clamp(v.sriov),
    acpiDmar: clamp(v.acpiDmar),
    acpiIvrs: clamp(v.acpiIvrs),
  };
}
