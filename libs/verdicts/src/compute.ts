import type { Verdicts } from '../../contracts/src/verdicts';
import { acpiDmarVerdict, acpiIvrsVerdict } from './acpi';
import type { HostFacts } from './facts';
import { hapVerdict } from './hap';
import { hvmVerdict } from './hvm';
import { interruptRemappingVerdict } from './intremap';
import { iommuVerdict } from './iommu';
import { passthroughVerdict } from './passthrough';
import { sriovVerdict } from './sriov';

/** All verdicts for one host (DESIGN.md "Snapshot and verdicts"), from facts alone: pure and total. */
export function computeVerdicts(facts: HostFacts): Verdicts {
  return {
    hvm: hvmVerdict(facts),
    hap: hapVerdict(facts),
    iommu: iommuVerdict(facts),
    interruptRemapping: interruptRemappingVerdict(facts),
    passthrough: passthroughVerdict(facts),
    sriov: sriovVerdict(facts),
    acpiDmar: acpiDmarVerdict(facts),
    acpiIvrs: acpiIvrsVerdict(facts),
  };
}
