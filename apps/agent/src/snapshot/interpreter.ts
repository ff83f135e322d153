import { buildHostFacts } from '../../../../libs/evidence/src/host-facts';
import { computeVerdicts } from '../../../../libs/verdicts/src';
import type { SnapshotInterpreter } from './build-snapshot';

/** The production interpreter: `libs/evidence` turns the bundle into facts, `libs/verdicts` decides. */
export const libsInterpreter: SnapshotInterpreter = {
  facts: (bundle) => buildHostFacts(bundle),
  verdicts: (facts) => computeVerdicts(facts as ReturnType<typeof buildHostFacts>),
};
