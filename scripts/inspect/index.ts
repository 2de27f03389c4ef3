/** The inspection scripts `memcgfs inspect NAME` runs, by name. */
import type { InspectScript } from '../../src/inspect/script.js';
import { script as memcgSlabinfo } from './memcg_slabinfo.js';
import { script as slabUtilization } from './slab_utilization.js';
import { script as dyingCgroups } from './dying_cgroups.js';

export const INSPECT_SCRIPTS: ReadonlyMap<string, InspectScript<any>> = new Map<string, InspectScript<any>>([
  [memcgSlabinfo.name, memcgSlabinfo],
  [slabUtilization.name, slabUtilization],
  [dyingCgroups.name, dyingCgroups],
]);
