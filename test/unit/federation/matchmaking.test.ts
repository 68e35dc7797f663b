import { describe, expect, it } from 'vitest';
import {
  candidatesOf,
  freeQuotaOf,
  isWantedImage,
  quotaShortfall,
  rankCandidates,
  type SiteImage,
} from '../../../src/federation/matchmaking.js';
import type { FlavorResponse } from '../../../src/hub-client/index.js';

const image = (site: string, name: string, mpuri = ''): SiteImage => ({
  site,
  name,
  mpuri,
  id: `${site}-${name}`,
  egi_id: '',
  endpoint: `https://${site}/v3`,
  version: '1',
  vo: 'vo.example',
});
const flavor = (site: string, name: string, cpu: number, ramGiB: number, gpus = 0): FlavorResponse => ({
  site,
  name,
  cpu,
  ram_mb: ramGiB * 1024,
  disk_gb: 10,
  id: `${site}-${name}`,
  endpoint: `https://${site}/v3`,
  vos: ['vo.example'],
  ...(gpus ? { accelerator: { type: 'GPU', number: gpus, vendor: 'NVIDIA', model: 'A100' } } : {}),
});

describe('matchmaking', () => {
  it('matches images by name, regex, id or marketplace URL with or without its version', () => {
    const i = image('A', 'Ubuntu 22.04', 'https://appdb.egi.eu/store/vm/image/abc:123/');
    expect(isWantedImage(i, 'ubuntu 22.04')).toBe(true);
    expect(isWantedImage(i, '~^ubuntu')).toBe(true);
    expect(isWantedImage(i, 'A-Ubuntu 22.04')).toBe(true);
    expect(isWantedImage(i, 'https://appdb.egi.eu/store/vm/image/abc')).toBe(true);
    expect(isWantedImage(i, 'https://appdb.egi.eu/store/vm/image/abc:999/')).toBe(true);
    expect(isWantedImage(i, 'https://appdb.egi.eu/store/vm/image/other')).toBe(false);
    expect(isWantedImage(i, 'Ubuntu')).toBe(false);
  });

  it('keeps the sites with the image and a fitting flavor, the smallest one, and says why the others are out', () => {
    const { candidates, skipped } = candidatesOf(
      ['A', 'B', 'C'],
      [image('A', 'Ubuntu'), image('B', 'Ubuntu'), image('C', 'Debian')],
      [
        flavor('A', 'big', 8, 32),
        flavor('A', 'small', 2, 4),
        flavor('A', 'tiny', 1, 1),
        flavor('B', 'gpu', 8, 64, 1),
      ],
      { image: 'ubuntu', minCpu: 2, minRamMb: 2048 },
    );
    expect(candidates.map((c) => [c.site, c.flavor.name])).toEqual([
      ['A', 'small'],
      ['B', 'gpu'],
    ]);
    expect(skipped).toEqual([{ site: 'C', why: 'no image ubuntu' }]);
    const gpu = candidatesOf(
      ['A', 'B'],
      [image('A', 'U'), image('B', 'U')],
      [flavor('A', 's', 2, 4), flavor('B', 'g', 8, 64, 1)],
      {
        image: 'U',
        gpu: true,
      },
    );
    expect(gpu.candidates.map((c) => c.site)).toEqual(['B']);
    expect(gpu.skipped).toEqual([{ site: 'A', why: 'no flavor that fits' }]);
  });

  it('ranks by free cores (unlimited first), then RAM, then flavor size, and refuses a full quota', () => {
    const c = (site: string, cpu: number) => ({
      site,
      image: image(site, 'U'),
      flavor: flavor(site, 'f', cpu, 2),
    });
    const ranked = rankCandidates([
      { candidate: c('A', 2), quota: { cores: 10, ramMb: 8192 } },
      { candidate: c('B', 2), quota: { cores: 40, ramMb: 8192 } },
      { candidate: c('C', 1), quota: { cores: 40, ramMb: 8192 } },
      { candidate: c('D', 4), quota: {} },
    ]);
    expect(ranked.map((r) => r.candidate.site)).toEqual(['D', 'C', 'B', 'A']);
    expect(
      freeQuotaOf({
        maxTotalCores: 20,
        totalCoresUsed: 18,
        maxTotalRAMSize: -1,
        maxTotalInstances: 10,
        totalInstancesUsed: 10,
      }),
    ).toEqual({
      cores: 2,
      instances: 0,
    });
    expect(quotaShortfall({ cores: 2, instances: 0 }, flavor('A', 'f', 1, 1))).toBe(
      'no instance left in the quota',
    );
    expect(quotaShortfall({ cores: 2 }, flavor('A', 'f', 4, 1))).toBe('2 cores free, 4 needed');
    expect(quotaShortfall({ cores: 8, ramMb: 1024 }, flavor('A', 'f', 4, 1))).toBeUndefined();
  });
});
